// Coding bit vectors in which every bit comes with a context both sides can
// compute (the codec uses a coordinate's flip history), with four
// selectable coders (spec/FORMAT.md, "Context-coded bit streams"):
//
//   stored    the packed bits;
//   fast      static per-context models sent as a few bytes each, bits
//             grouped by context and coded at byte-symbol speed with one
//             interleaved rANS stream (binary_models.h);
//   adaptive  an adaptive binary range coder, one probability per context
//             learned as it goes, no side information (the "max" mode);
//   zstd      the packed bits through zstd, for comparison.
//
// Bits are packed least-significant first in 64-bit words: bit i of the
// vector is bit (i mod 64) of word i / 64. Bits past the end of the last
// word must be zero on input and are zero on output.
#ifndef GRADCODEC_CODEC_ENTROPY_CONTEXT_BIT_CODER_H_
#define GRADCODEC_CODEC_ENTROPY_CONTEXT_BIT_CODER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "codec/entropy/context_split.h"

namespace gradcodec::internal {

// Spec field `bit_coder`.
enum class BitCoder : uint8_t {
  kStored = 0,
  kFast = 1,
  kAdaptive = 2,
  kZstd = 3,
};

inline constexpr uint32_t kMaxContextCount = 256;
// Bounds of the adaptive coder's `max_rate`: its probabilities settle to
// averaging over about 2^max_rate bits.
inline constexpr uint32_t kMinAdaptiveRate = 1;
inline constexpr uint32_t kMaxAdaptiveRate = 20;

struct ContextBitOptions {
  BitCoder coder = BitCoder::kFast;
  int zstd_level = 3;
  uint32_t adaptive_max_rate = 12;
  // kFast only: when set, the contexts given to EncodeContextBits are
  // mapped to groups (context_split.h), and the bit stream's contexts are
  // the groups, context_count of them: bit i's is group_of[contexts[i]].
  const uint8_t* group_of = nullptr;
};

// Words needed for `bit_count` bits.
inline uint64_t BitWords(uint64_t bit_count) { return (bit_count + 63) / 64; }

// Appends the payload for the first `bit_count` bits of `bits`.
// `contexts` holds one context per bit, each below `context_count`
// (1..kMaxContextCount); it may be empty when context_count is 1. With
// kFast the payload falls back to stored bits when coding would not shrink
// them.
void EncodeContextBits(absl::Span<const uint64_t> bits, uint64_t bit_count,
                       absl::Span<const uint8_t> contexts,
                       uint32_t context_count, const ContextBitOptions& options,
                       std::vector<uint8_t>* out);

// Decodes a whole payload into `out`, which must hold BitWords(bit_count)
// words; `contexts` and `context_count` as given to the encoder. A context
// value at or above context_count cannot make the decoder touch memory out
// of bounds; it makes the payload fail to decode. Errors:
// TRUNCATED, MALFORMED_VARINT, INVALID_FIELD (an unknown `bit_coder` or
// `context_mode`), CORRUPT_PAYLOAD (anything inconsistent, including a
// stream that does not end exactly where it should). On success every
// word of `out` is written (it need not be zeroed first); on error `out`
// holds unspecified bits.
absl::Status DecodeContextBits(absl::Span<const uint8_t> payload,
                               absl::Span<const uint8_t> contexts,
                               uint32_t context_count, uint64_t bit_count,
                               absl::Span<uint64_t> out);

// The same with the contexts as bit planes (planes.count bits, contexts
// below context_count; with planes.group_of, the groups are the contexts):
// the fast coder merges its per-context bits by the planes directly; the
// other coders read them as bytes. On success, tells `on_merged` of each
// of the first BitWords(planes.count) words of `out` (MergedWords) as soon
// as it is decoded: the fast coder's merge a block of words at a time, the
// other coders all at once at the end. A payload that fails may have told
// of some words first.
absl::Status DecodeContextBitsByPlanes(
    absl::Span<const uint8_t> payload, const ContextPlanes& planes,
    uint32_t context_count, absl::Span<uint64_t> out,
    MergedWords on_merged = [](uint64_t, uint64_t) {});

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_CONTEXT_BIT_CODER_H_
