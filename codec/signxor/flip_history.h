// SignXOR's per-coordinate flip history (spec/FORMAT.md, "Flip contexts"):
// the last six flips of each coordinate, bit 0 the latest, all zero after a
// key packet. A flip's context is the low `history_bits` bits of its
// coordinate's history: error feedback makes small coordinates oscillate,
// so a coordinate that flipped lately is likely to flip again.
#ifndef GRADCODEC_CODEC_SIGNXOR_FLIP_HISTORY_H_
#define GRADCODEC_CODEC_SIGNXOR_FLIP_HISTORY_H_

#include <cstdint>

namespace gradcodec::internal {

// Flips a history byte keeps (spec: kMaxFlipHistory).
inline constexpr uint32_t kFlipHistoryBits = 6;

// contexts[i] = history[i] & (2^history_bits - 1), history_bits <= 6.
// (With history_bits 6 the history itself is the context array.)
void FlipContexts(const uint8_t* history, uint64_t count,
                  uint32_t history_bits, uint8_t* contexts);

// history[i] = ((history[i] << 1) | flip bit i) & 63, eight coordinates
// per step.
void PushFlips(const uint64_t* flips, uint64_t count, uint8_t* history);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SIGNXOR_FLIP_HISTORY_H_
