// Test vectors for the entropy-coded payloads (spec/FORMAT.md, "Entropy-coded
// payloads"): byte streams and context-coded bit streams, valid and invalid.
#include <algorithm>
#include <array>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "codec/entropy/byte_stream_coder.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/entropy/frequency_table.h"
#include "codec/splitmix64.h"
#include "format/byte_writer.h"
#include "format/checksum.h"
#include "gradcodec/error_code.h"
#include "spec/entropy_vectors.h"
#include "spec/vector_results.h"

namespace gradcodec::spec {
namespace {

using Bytes = std::vector<uint8_t>;
using internal::BitCoder;
using internal::ByteCoder;

// Geometric-like bytes with mean about `scale`.
Bytes SkewedBytes(size_t count, uint64_t seed, double scale) {
  internal::SplitMix64 rng(seed);
  Bytes bytes(count);
  for (auto& b : bytes) {
    b = static_cast<uint8_t>(
        std::min(255.0, std::floor(-std::log(1.0 - rng.NextDouble()) * scale)));
  }
  return bytes;
}

Bytes EncodeBytes(const Bytes& symbols, ByteCoder coder) {
  Bytes out;
  internal::ByteStreamOptions options;
  options.coder = coder;
  internal::EncodeByteStream(symbols, options, &out);
  return out;
}

// A bit-stream vector file: harness header, then the payload.
Bytes BitFile(uint64_t bit_count, uint32_t context_count,
              const Bytes& payload) {
  Bytes out;
  internal::ByteWriter writer(&out);
  writer.WriteU32(static_cast<uint32_t>(bit_count));
  writer.WriteU16(static_cast<uint16_t>(context_count));
  writer.WriteBytes(payload);
  return out;
}

// Bits whose probability of a one depends on the harness context:
// probs[context(i)].
std::vector<uint64_t> BitsFor(uint64_t count, const std::vector<double>& probs,
                              uint64_t seed) {
  internal::SplitMix64 rng(seed);
  std::vector<uint64_t> words(internal::BitWords(count), 0);
  const auto context_count = static_cast<uint32_t>(probs.size());
  for (uint64_t i = 0; i < count; ++i) {
    if (rng.NextDouble() < probs[VectorContext(i, context_count)]) {
      words[i >> 6] |= uint64_t{1} << (i & 63);
    }
  }
  return words;
}

Bytes EncodeBits(uint64_t count, const std::vector<double>& probs,
                 BitCoder coder, uint64_t seed) {
  const std::vector<uint64_t> words = BitsFor(count, probs, seed);
  const auto context_count = static_cast<uint32_t>(probs.size());
  std::vector<uint8_t> contexts;
  if (context_count > 1) {
    contexts.resize(count);
    for (uint64_t i = 0; i < count; ++i) {
      contexts[i] = VectorContext(i, context_count);
    }
  }
  Bytes payload;
  internal::ContextBitOptions options;
  options.coder = coder;
  options.adaptive_max_rate = 10;
  internal::EncodeContextBits(words, count, contexts, context_count, options,
                              &payload);
  return payload;
}

}  // namespace

std::string ByteStreamResult(const std::vector<uint8_t>& file) {
  std::vector<uint8_t> out;
  const absl::Status status =
      internal::DecodeByteStream(file, kVectorMaxByteSymbols, &out);
  return status.ok() ? OkWithDigest(out) : ErrorName(status);
}

std::string BitStreamResult(const std::vector<uint8_t>& file) {
  internal::ByteReader reader(file);
  uint32_t bit_count = 0;
  uint16_t context_count = 0;
  if (!reader.ReadU32("bit_count", &bit_count).ok() ||
      !reader.ReadU16("context_count", &context_count).ok()) {
    return "BAD_HARNESS";
  }
  std::vector<uint8_t> contexts;
  if (context_count > 1) {
    contexts.resize(bit_count);
    for (uint64_t i = 0; i < bit_count; ++i) {
      contexts[i] = VectorContext(i, context_count);
    }
  }
  std::vector<uint64_t> words(internal::BitWords(bit_count));
  const absl::Status status = internal::DecodeContextBits(
      absl::MakeConstSpan(file).subspan(6), contexts, context_count, bit_count,
      absl::MakeSpan(words));
  if (!status.ok()) return ErrorName(status);
  return OkWithDigest(absl::MakeConstSpan(
      reinterpret_cast<const uint8_t*>(words.data()), (bit_count + 7) / 8));
}

void AddEntropyVectors(
    absl::FunctionRef<void(VectorKind, std::string, std::string, std::string,
                           Bytes)>
        add) {
  auto byte_vector = [&](std::string name, std::string expect,
                         std::string description, Bytes bytes) {
    add(VectorKind::kByteStream, absl::StrCat("byte_streams/", name, ".bin"),
        std::move(expect), std::move(description), std::move(bytes));
  };
  auto bit_vector = [&](std::string name, std::string expect,
                        std::string description, Bytes bytes) {
    add(VectorKind::kBitStream, absl::StrCat("bit_streams/", name, ".bin"),
        std::move(expect), std::move(description), std::move(bytes));
  };

  // ---- Byte streams: valid -------------------------------------------
  const Bytes skewed = SkewedBytes(1000, 1, 3);
  const Bytes hello = {'h', 'e', 'l', 'l', 'o'};
  byte_vector("stored_hello", OkWithDigest(hello), "stored: five bytes",
              EncodeBytes(hello, ByteCoder::kStored));
  byte_vector("stored_empty", OkWithDigest({}), "stored: no symbols",
              EncodeBytes({}, ByteCoder::kStored));
  const Bytes rans_skewed = EncodeBytes(skewed, ByteCoder::kRans);
  byte_vector("rans_skewed", OkWithDigest(skewed),
              "rans: 1000 geometric-like bytes (listed symbols)", rans_skewed);
  const Bytes single(500, 'a');
  byte_vector("rans_single_symbol", OkWithDigest(single),
              "rans: 500 copies of one symbol (4 lanes: 17 bytes, no words)",
              EncodeBytes(single, ByteCoder::kRans));
  const Bytes all = SkewedBytes(4096, 2, 12);
  const Bytes rans_all = EncodeBytes(all, ByteCoder::kRans);
  byte_vector("rans_bitmap", OkWithDigest(all),
              "rans: more than 32 symbols, so a presence bitmap", rans_all);
  // Long enough for the encoder to take 32 lanes (section 10.1).
  const Bytes wide = SkewedBytes(40000, 4, 20);
  const Bytes rans_wide = EncodeBytes(wide, ByteCoder::kRans);
  byte_vector("rans_wide", OkWithDigest(wide),
              "rans: 40000 bytes in a 32-lane stream", rans_wide);
  byte_vector("zstd", OkWithDigest(skewed), "zstd frame",
              EncodeBytes(skewed, ByteCoder::kZstd));

  // ---- Byte streams: invalid ------------------------------------------
  {
    Bytes bad = EncodeBytes(hello, ByteCoder::kStored);
    bad[0] = 9;
    byte_vector("unknown_coder", "INVALID_FIELD", "byte_coder 9", bad);
  }
  {
    Bytes bad;
    internal::ByteWriter writer(&bad);
    writer.WriteU8(0);
    writer.WriteVarint(kVectorMaxByteSymbols + 1);
    byte_vector("count_over_limit", "LIMIT_EXCEEDED",
                "symbol_count one above the harness maximum", bad);
  }
  byte_vector("rans_empty", "CORRUPT_PAYLOAD", "rans with symbol_count 0",
              Bytes{1, 0});
  {
    Bytes bad = EncodeBytes(hello, ByteCoder::kStored);
    bad.push_back(0);
    byte_vector("stored_trailing", "TRAILING_BYTES",
                "a byte after the stored symbols", bad);
    bad.resize(bad.size() - 3);
    byte_vector("stored_short", "TRUNCATED", "stored symbols cut short", bad);
  }
  // rans_skewed = coder, varint count (2 bytes), table, stream.
  Bytes table;
  {
    std::array<uint64_t, 256> counts{};
    for (uint8_t b : skewed) ++counts[b];
    internal::SerializeFrequencyTable(internal::NormalizeFrequencies(counts),
                                      &table);
  }
  const size_t table_start = 3;
  const size_t stream_start = table_start + table.size();
  {
    // The last frequency one too small: a sum of 4095.
    Bytes bad = rans_skewed;
    --bad[stream_start - 1];
    byte_vector("table_sum", "CORRUPT_PAYLOAD",
                "frequencies summing to 4095", bad);
  }
  {
    Bytes bad = rans_skewed;
    std::swap(bad[table_start + 1], bad[table_start + 2]);
    byte_vector("table_symbol_order", "CORRUPT_PAYLOAD",
                "listed symbols out of order", bad);
  }
  {
    // rans_all = byte_coder, symbol_count varint (4096: 2 bytes), the
    // table's table_symbol_count varint, then the 32-byte presence bitmap;
    // toggle the bit of symbol 255 (absent, so the bitmap has one bit more
    // than table_symbol_count says).
    std::array<bool, 256> present{};
    for (uint8_t b : all) present[b] = true;
    const uint64_t distinct =
        static_cast<uint64_t>(std::count(present.begin(), present.end(), true));
    Bytes bad = rans_all;
    bad[3 + internal::VarintLength(distinct) + 31] ^= 0x80;
    byte_vector("table_bitmap_count", "CORRUPT_PAYLOAD",
                "a presence bitmap with one bit more than table_symbol_count", bad);
  }
  {
    Bytes bad = rans_skewed;
    bad[stream_start + 4] = 0x80;  // state 0 >= 2^31
    byte_vector("state_out_of_range", "CORRUPT_PAYLOAD",
                "an initial rANS state of 2^31 or more", bad);
  }
  for (const int lanes : {0, 8, 31, 33}) {
    Bytes bad = rans_skewed;
    bad[stream_start] = static_cast<uint8_t>(lanes);
    byte_vector(absl::StrCat("rans_lanes_", lanes), "INVALID_FIELD",
                absl::StrCat("rans_lanes ", lanes, " (only 4 and 32 exist)"),
                bad);
  }
  {
    // A 4-lane stream relabelled as 32 lanes: too short for 32 states or
    // read as the wrong states.
    Bytes bad = rans_skewed;
    bad[stream_start] = 32;
    byte_vector("rans_lanes_relabelled", "CORRUPT_PAYLOAD",
                "a 4-lane stream whose rans_lanes says 32", bad);
  }
  {
    Bytes bad = rans_skewed;
    bad.pop_back();
    byte_vector("stream_odd", "CORRUPT_PAYLOAD",
                "a rANS stream that is not whole 16-bit words", bad);
    bad.pop_back();
    byte_vector("stream_short", "CORRUPT_PAYLOAD",
                "a rANS stream missing its last word", bad);
  }
  {
    Bytes bad = rans_skewed;
    bad.push_back(0);
    bad.push_back(0);
    byte_vector("stream_long", "CORRUPT_PAYLOAD",
                "a rANS stream with a word left over", bad);
  }
  {
    // A lone skippable frame (magic 0x184D2A50, 0 bytes of user data).
    const Bytes skippable = {2, 0, 0x50, 0x2A, 0x4D, 0x18, 0, 0, 0, 0};
    byte_vector("zstd_skippable", "CORRUPT_PAYLOAD",
                "a skippable frame instead of a zstd frame", skippable);
  }
  byte_vector("unknown_coder_first", "INVALID_FIELD",
              "byte_coder 3 followed by a malformed varint: the coder is "
              "checked first",
              Bytes{3, 0x80});
  {
    Bytes bad = EncodeBytes(skewed, ByteCoder::kZstd);
    bad[1] = static_cast<uint8_t>(bad[1] - 1);  // symbol_count 999
    byte_vector("zstd_size", "CORRUPT_PAYLOAD",
                "symbol_count differs from the zstd frame's content size",
                bad);
  }
  // Every cut of rans_skewed: inside the header or table, or right after
  // it (no `rans_lanes`), the payload ends before a field (TRUNCATED);
  // after that the rANS stream is short (CORRUPT_PAYLOAD).
  for (size_t cut = 1; cut < rans_skewed.size(); cut += cut < 80 ? 1 : 37) {
    byte_vector(absl::StrFormat("truncated/rans_%04d", cut),
                cut <= stream_start ? "TRUNCATED" : "CORRUPT_PAYLOAD",
                absl::StrCat("the first ", cut, " bytes of rans_skewed"),
                Bytes(rans_skewed.begin(), rans_skewed.begin() + cut));
  }

  // ---- Bit streams: valid ---------------------------------------------
  const std::vector<double> mixed = {0.0, 1.0, 0.5, 0.003, 0.2, 0.97, 0.8,
                                     0.05};
  struct BitCase {
    std::string name;
    uint64_t count;
    std::vector<double> probs;
    BitCoder coder;
    std::string description;
  };
  const BitCase cases[] = {
      {"stored", 100, {0.5}, BitCoder::kStored, "stored: 100 bits"},
      {"stored_empty", 0, {0.5}, BitCoder::kStored, "stored: no bits"},
      {"fast_one_context", 5000, {0.01}, BitCoder::kFast,
       "fast: one context, p = 0.01 (runs)"},
      {"fast_wide", 300000, {0.2}, BitCoder::kFast,
       "fast: one context, p = 0.2 (bytes) in a 32-lane rANS stream"},
      {"fast_mixed", 20000, mixed, BitCoder::kFast,
       "fast: 8 contexts using every context_mode"},
      {"adaptive", 3000, {0.02, 0.3, 0.9, 0.5}, BitCoder::kAdaptive,
       "adaptive: 4 contexts, max_rate 10"},
      {"zstd", 1000, {0.1}, BitCoder::kZstd, "zstd frame of packed bits"},
  };
  Bytes fast_mixed;
  Bytes adaptive;
  for (const BitCase& c : cases) {
    const Bytes payload = EncodeBits(c.count, c.probs, c.coder, 7);
    const Bytes file =
        BitFile(c.count, static_cast<uint32_t>(c.probs.size()), payload);
    if (c.name == "fast_mixed") fast_mixed = payload;
    if (c.name == "adaptive") adaptive = payload;
    const std::vector<uint64_t> words = BitsFor(c.count, c.probs, 7);
    bit_vector(c.name,
               OkWithDigest(absl::MakeConstSpan(
                   reinterpret_cast<const uint8_t*>(words.data()),
                   (c.count + 7) / 8)),
               c.description, file);
  }

  // ---- Bit streams: invalid -------------------------------------------
  const uint32_t mixed_contexts = static_cast<uint32_t>(mixed.size());
  auto fast_file = [&](const Bytes& payload) {
    return BitFile(20000, mixed_contexts, payload);
  };
  {
    Bytes bad = fast_mixed;
    bad[0] = 7;
    bit_vector("unknown_coder", "INVALID_FIELD", "bit_coder 7",
               fast_file(bad));
  }
  bit_vector("fast_context_count", "CORRUPT_PAYLOAD",
             "a fast payload for 8 contexts decoded with 9",
             BitFile(20000, 9, fast_mixed));
  {
    // fast_mixed: [0] bit_coder, [1] context_count 8, then 8 two-byte
    // context_bit_count varints (2500 each), then the first context_mode.
    Bytes bad = fast_mixed;
    bad[2] = static_cast<uint8_t>(bad[2] + 1);
    bit_vector("fast_count_sum", "CORRUPT_PAYLOAD",
               "context_bit_count values summing to 20001", fast_file(bad));
    bad = fast_mixed;
    bad[18] = 9;
    bit_vector("fast_mode", "INVALID_FIELD", "context_mode 9",
               fast_file(bad));
  }
  {
    Bytes bad = fast_mixed;
    bad.push_back(0);
    bit_vector("fast_trailing", BitStreamResult(fast_file(bad)),
               "a byte after the stored bits (result as the reference "
               "decoder gives it)",
               fast_file(bad));
  }
  {
    Bytes bad = EncodeBits(100, {0.5}, BitCoder::kStored, 7);
    bad.back() |= 0x80;  // bits 96..99 are data, 100..103 padding
    bit_vector("stored_padding", "CORRUPT_PAYLOAD",
               "a padding bit set after 100 stored bits",
               BitFile(100, 1, bad));
    bad.pop_back();
    bit_vector("stored_short", "TRUNCATED", "stored bits one byte short",
               BitFile(100, 1, bad));
    bad = EncodeBits(100, {0.5}, BitCoder::kStored, 7);
    bad.push_back(0);
    bit_vector("stored_long", "TRAILING_BYTES",
               "a byte after 100 stored bits", BitFile(100, 1, bad));
  }
  {
    Bytes bad = adaptive;
    bad[2] = 0;  // max_rate
    bit_vector("adaptive_rate_0", "CORRUPT_PAYLOAD", "max_rate 0",
               BitFile(3000, 4, bad));
    bad[2] = 21;
    bit_vector("adaptive_rate_21", "CORRUPT_PAYLOAD", "max_rate 21",
               BitFile(3000, 4, bad));
    bad = adaptive;
    bad[3] = 1;  // the range coder's first byte, always 0 from an encoder
    bit_vector("adaptive_first_byte", "CORRUPT_PAYLOAD",
               "a range-coded stream whose first byte is not 0",
               BitFile(3000, 4, bad));
    bad = adaptive;
    bad.push_back(0);
    bit_vector("adaptive_trailing", "CORRUPT_PAYLOAD",
               "a byte after the range-coded bits", BitFile(3000, 4, bad));
    bad.resize(adaptive.size() - 1);
    bit_vector("adaptive_short", "CORRUPT_PAYLOAD",
               "the range-coded bits missing their last byte",
               BitFile(3000, 4, bad));
  }
  // Every cut of fast_mixed, with the reference decoder's result.
  for (size_t cut = 0; cut < fast_mixed.size(); cut += cut < 64 ? 1 : 29) {
    const Bytes file =
        fast_file(Bytes(fast_mixed.begin(), fast_mixed.begin() + cut));
    bit_vector(absl::StrFormat("truncated/fast_%04d", cut),
               BitStreamResult(file),
               absl::StrCat("the first ", cut, " bytes of fast_mixed (result "
                            "as the reference decoder gives it)"),
               file);
  }
}

}  // namespace gradcodec::spec
