// SignXOR's per-coordinate flip history (spec/FORMAT.md, "Flip contexts"):
// the last eight flips of each coordinate, bit 0 the latest, all zero after
// a key packet. A flip's context is the low `history_bits` bits of its
// coordinate's history: error feedback makes small coordinates oscillate,
// so a coordinate that flipped lately is likely to flip again.
//
// Held as eight bit planes, plane k the flips of k + 1 packets back, rather
// than a byte per coordinate: pushing a packet's flips is then a rotation
// of the planes (the flips vector itself becomes plane 0) instead of a pass
// over every history, and the fast coder's decoder builds its per-context
// masks from plane words directly (context_split.h).
#ifndef GRADCODEC_CODEC_SIGNXOR_FLIP_HISTORY_H_
#define GRADCODEC_CODEC_SIGNXOR_FLIP_HISTORY_H_

#include <array>
#include <cstdint>
#include <vector>

#include "codec/entropy/context_split.h"

namespace gradcodec::internal {

// Flips a history keeps (spec: kMaxAdaptiveFlipHistory, the most a
// packet's contexts use).
inline constexpr uint32_t kFlipHistoryBits = 8;

class FlipHistory {
 public:
  // `count` histories, all empty.
  void Reset(uint64_t count);

  // Pushes one flip per coordinate (BitWords(count) words, zero past the
  // last coordinate). The vector's storage becomes plane 0; it receives
  // the dropped oldest plane's, for the caller to reuse.
  void Push(std::vector<uint64_t>& flips);

  uint64_t count() const { return count_; }

  // The first `history_bits` planes (plane k: bit i is the flip of
  // coordinate i k + 1 packets back), valid until the next Push, Reset or Assign.
  ContextPlanes Planes(uint32_t history_bits) const;

  // contexts[i] = the low `history_bits` bits of history i, for every
  // coordinate; history_bits <= kFlipHistoryBits.
  void Contexts(uint32_t history_bits, uint8_t* contexts) const;

  // Moves contexts[first, first + count), the result of
  // Contexts(history_bits) before the last Push, on to what
  // Contexts(history_bits) gives now: each shifted up by one flip, the
  // pushed one in bit 0. One pass over the bytes instead of one per
  // plane, and a range at a time, so that the encoder does it where it
  // reads them next.
  void AdvanceContexts(uint32_t history_bits, uint64_t first, uint64_t count,
                       uint8_t* contexts) const;

  // Sets every history from one byte each, the inverse of
  // Contexts(kFlipHistoryBits, ...).
  void Assign(const uint8_t* histories, uint64_t count);

 private:
  uint64_t count_ = 0;
  std::array<std::vector<uint64_t>, kFlipHistoryBits> planes_;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SIGNXOR_FLIP_HISTORY_H_
