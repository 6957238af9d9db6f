// Fuzz target: the context-coded bit decoder (codec/entropy/
// context_bit_coder.h), every bit coder.
//
// Input: u16 bit_count, u8 context_count - 1, then the payload. Contexts
// follow the spec vectors' harness rule, (7 i + i / 13) mod context_count.
// Built with GRADCODEC_FUZZ_BIT_CODER=n, the payload's first byte is forced
// to that `bit_coder`, so one target digs into one coder (fast_bits_decoder,
// adaptive_bits_decoder).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "codec/entropy/context_bit_coder.h"
#include "gradcodec/error_code.h"
#include "spec/vector_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gradcodec;
  if (size < 3) return 0;
  const uint64_t bit_count = data[0] | (uint64_t{data[1]} << 8);
  const uint32_t context_count = uint32_t{data[2]} + 1;
  std::vector<uint8_t> contexts;
  if (context_count > 1) {
    contexts.resize(bit_count);
    for (uint64_t i = 0; i < bit_count; ++i) {
      contexts[i] = spec::VectorContext(i, context_count);
    }
  }
  std::vector<uint8_t> payload(data + 3, data + size);
#ifdef GRADCODEC_FUZZ_BIT_CODER
  if (payload.empty()) return 0;
  payload[0] = GRADCODEC_FUZZ_BIT_CODER;
#endif
  std::vector<uint64_t> out(internal::BitWords(bit_count));
  const absl::Status status = internal::DecodeContextBits(
      payload, contexts, context_count, bit_count, absl::MakeSpan(out));
  if (!status.ok()) {
    if (GetErrorCode(status) == ErrorCode::kInternal) std::abort();
    return 0;
  }
  // Bits past the end are zero on output.
  if ((bit_count & 63) != 0 && (out.back() >> (bit_count & 63)) != 0) {
    std::abort();
  }
  return 0;
}
