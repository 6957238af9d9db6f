// SignXOR's rate-distortion encoder (encoder side only; the decoder just
// applies the flips it receives). A coordinate whose sign changed may keep
// its previous sign instead: with reconstruction alpha * s, sending the
// wrong sign adds (|p| + alpha)^2 - (|p| - alpha)^2 = 4 alpha |p| of
// squared error, and saves the bits a flip costs over a non-flip in the
// coordinate's context. The sign is kept when
//
//   4 alpha |p_i| < lambda * alpha^2 * extra_bits(context_i),
//
// i.e. |p_i| < lambda * alpha * extra_bits / 4. Error feedback carries the
// kept coordinates' error into the next step, so nothing is lost for good.
#ifndef GRADCODEC_CODEC_SIGNXOR_RATE_DISTORTION_H_
#define GRADCODEC_CODEC_SIGNXOR_RATE_DISTORTION_H_

#include <array>
#include <cstdint>

#include "absl/types/span.h"

namespace gradcodec::internal {

// The most bits the rule credits a kept sign with (see ChooseSigns).
inline constexpr double kMaxExtraBits = 4.0;

// Flip contexts: six flips of history at most (flip_history.h).
inline constexpr int kFlipContexts = 64;
using FlipCounts = std::array<double, kFlipContexts>;

// Per-context flip frequencies of the flips sent so far (halved every
// step, so they follow the stream), and the bits a flip costs over a
// non-flip under them.
class FlipRateModel {
 public:
  FlipRateModel() { Reset(); }

  // Forgets everything (a key packet restarts the history).
  void Reset();

  // Adds one step's flips (a sample of them: every kObserveStride-th
  // coordinate, plenty for 64 frequencies); contexts[i] < kFlipContexts.
  void Observe(const uint64_t* flips, const uint8_t* contexts,
               uint64_t count);
  static constexpr uint64_t kObserveStride = 8;

  // The counts, for saving and restoring an encoder's state.
  const FlipCounts& flips() const { return flips_; }
  const FlipCounts& totals() const { return totals_; }
  void SetCounts(const FlipCounts& flips,
                 const FlipCounts& totals) {
    flips_ = flips;
    totals_ = totals;
    UpdateCosts();
  }

  // log2(P(no flip) / P(flip)) in `context`, >= 0 when flips are the rarer
  // outcome (as they are wherever the encoder has a choice to make).
  double ExtraBits(uint32_t context) const { return extra_bits_[context]; }

 private:
  void UpdateCosts();

  FlipCounts flips_;
  FlipCounts totals_;
  FlipCounts extra_bits_;
};

// Writes to `chosen` the signs to send: the signs of p (`raw`), except that
// a coordinate whose raw sign differs from `reference` keeps the reference
// sign when the rule above says so. `alphas` holds each block's scale
// estimate (block k covers [block_starts[k], block_starts[k + 1])), and
// `kept_abs` receives, per block, the sum of |p_i| over the kept
// coordinates (so that <p_b, s_b> = ||p_b||_1 - 2 kept_abs_b). lambda = 0
// keeps nothing. Returns how many signs were kept.
uint64_t ChooseSigns(absl::Span<const float> p, const uint64_t* raw,
                     const uint64_t* reference, const uint8_t* contexts,
                     absl::Span<const uint64_t> block_starts,
                     const float* alphas, double lambda,
                     const FlipRateModel& model, uint64_t* chosen,
                     double* kept_abs);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SIGNXOR_RATE_DISTORTION_H_
