// Fuzz target: round trips through every entropy coder.
//
// The input chooses a coder, a context count and the bits and contexts
// themselves; the target encodes, decodes, and checks that the decoded bits
// are the input bits and that encoding again gives identical bytes. Byte
// streams likewise.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "codec/entropy/byte_stream_coder.h"
#include "codec/entropy/context_bit_coder.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void RoundTripBytes(const uint8_t* data, size_t size, uint8_t selector) {
  using namespace gradcodec::internal;
  ByteStreamOptions options;
  options.coder = static_cast<ByteCoder>(selector % 3);
  options.zstd_level = 1;
  const absl::Span<const uint8_t> symbols(data, size);
  std::vector<uint8_t> payload;
  EncodeByteStream(symbols, options, &payload);
  std::vector<uint8_t> decoded;
  Check(DecodeByteStream(payload, size, &decoded).ok());
  Check(decoded.size() == size &&
        (size == 0 || std::memcmp(decoded.data(), data, size) == 0));
  std::vector<uint8_t> again;
  EncodeByteStream(symbols, options, &again);
  Check(again == payload);
}

void RoundTripBits(const uint8_t* data, size_t size, uint8_t selector,
                   uint8_t context_byte) {
  using namespace gradcodec::internal;
  // Each input byte gives one bit (its low bit) and one context (the
  // rest), so the fuzzer controls both, including long runs.
  const uint32_t context_count = uint32_t{context_byte} % 16 + 1;
  const uint64_t bit_count = size;
  std::vector<uint64_t> bits(BitWords(bit_count), 0);
  std::vector<uint8_t> contexts;
  if (context_count > 1) contexts.resize(bit_count);
  for (uint64_t i = 0; i < bit_count; ++i) {
    bits[i >> 6] |= static_cast<uint64_t>(data[i] & 1) << (i & 63);
    if (context_count > 1) {
      contexts[i] = static_cast<uint8_t>((data[i] >> 1) % context_count);
    }
  }
  ContextBitOptions options;
  options.coder = static_cast<BitCoder>(selector % 4);
  options.zstd_level = 1;
  options.adaptive_max_rate = selector / 4 % 20 + 1;
  std::vector<uint8_t> payload;
  EncodeContextBits(bits, bit_count, contexts, context_count, options,
                    &payload);
  std::vector<uint64_t> decoded(BitWords(bit_count), ~uint64_t{0});
  Check(DecodeContextBits(payload, contexts, context_count, bit_count,
                          absl::MakeSpan(decoded))
            .ok());
  Check(decoded == bits);
  std::vector<uint8_t> again;
  EncodeContextBits(bits, bit_count, contexts, context_count, options, &again);
  Check(again == payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t selector = data[0];
  const uint8_t context_byte = data[1];
  if (selector & 0x80) {
    RoundTripBytes(data + 2, size - 2, selector);
  } else {
    RoundTripBits(data + 2, size - 2, selector, context_byte);
  }
  return 0;
}
