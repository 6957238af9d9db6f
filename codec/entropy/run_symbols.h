// Run-length phrases of the fast context coder's `runs` modes
// (spec/FORMAT.md, "Fast context coding"): a context's bits become the
// symbols "s zeros then a one" (s < max_run) and "max_run zeros" (symbol
// max_run), ending with a virtual one just past the last bit.
#ifndef GRADCODEC_CODEC_ENTROPY_RUN_SYMBOLS_H_
#define GRADCODEC_CODEC_ENTROPY_RUN_SYMBOLS_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace gradcodec::internal {

// An upper bound on the phrases for `count` bits holding `ones` ones.
inline uint64_t MaxRunSymbols(uint64_t count, uint64_t ones,
                              uint32_t max_run) {
  return ones + 1 + count / max_run;
}
// WriteRunSymbols stores up to this many bytes past the phrases it keeps.
inline constexpr uint64_t kRunSymbolSlack = 16;

// What the encoder learns about a context's bits in one pass: how many are
// ones and, when they are sparse (about 1.5 a word at most) and `count` is
// below 2^32, the position of each, so that a sparse context's words are
// read once and its phrases come from the positions alone. `words` must
// have zero bits past `count`.
struct BitSummary {
  uint64_t ones = 0;
  // Ascending; empty when not listed. Not zero-filled: only the first
  // `listed` entries are written.
  std::unique_ptr<uint32_t[]> positions;
  size_t listed = 0;

  absl::Span<const uint32_t> one_positions() const {
    return {positions.get(), listed};
  }
};
void SummarizeBits(const uint64_t* words, uint64_t count, BitSummary* summary);

// Writes the phrases of the `count` bits in `words` (inverted when
// `invert`; bits past `count` are ignored), of which `one_count` are ones
// after inversion (it picks the loop that suits the density), to `out`,
// which must hold MaxRunSymbols(...) + kRunSymbolSlack bytes; returns the
// end of the phrases. max_run in [1, 255]. `one_positions`: the list
// SummarizeBits made for these words, or empty (it is only used uninverted).
uint8_t* WriteRunSymbols(const uint64_t* words, uint64_t count, bool invert,
                         uint64_t one_count, uint32_t max_run,
                         absl::Span<const uint32_t> one_positions,
                         uint8_t* out);

// Sets the ones the phrases describe in `words` (zeroed, `count` bits).
// CORRUPT_PAYLOAD unless the last phrase ends exactly on the virtual one at
// position `count`.
absl::Status ExpandRunSymbols(absl::Span<const uint8_t> symbols,
                              uint32_t max_run, uint64_t count,
                              uint64_t* words);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_RUN_SYMBOLS_H_
