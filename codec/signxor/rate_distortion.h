// SignXOR's rate-distortion encoder (encoder side only; the decoder just
// applies the flips it receives). With reconstruction alpha * s, sending
// the wrong sign for a coordinate adds (|p| + alpha)^2 - (|p| - alpha)^2 =
// 4 alpha |p| of squared error, and saves the bits the likelier of flip and
// non-flip saves over the other in the coordinate's context. So the encoder
// sends the likelier one instead of the true one when
//
//   4 alpha |p_i| < lambda * alpha^2 * extra_bits(context_i),
//
// i.e. |p_i| < lambda * alpha * extra_bits / 4 (extra_bits capped, and
// rounded as RateDistortionRule says): where flips are rare it
// keeps a changed sign, and where they are the norm (error feedback makes
// small coordinates oscillate, so in most contexts they are) it flips an
// unchanged one. Error feedback carries the error of every sign sent
// against p into the next step, so nothing is lost for good.
#ifndef GRADCODEC_CODEC_SIGNXOR_RATE_DISTORTION_H_
#define GRADCODEC_CODEC_SIGNXOR_RATE_DISTORTION_H_

#include <array>
#include <cstdint>


namespace gradcodec::internal {

// The most bits the rule credits a sign sent against p with (see
// RateDistortionRule).
inline constexpr double kMaxExtraBits = 4.0;

// The rule's flip contexts: the last six flips. Coding contexts of more
// flips (up to eight, flip_history.h) share the rates of their low six
// bits, which every rule lookup masks with kRateContextMask: at 2^8
// contexts the sampled counts would be too thin to rank flips by.
inline constexpr int kFlipContexts = 64;
inline constexpr uint32_t kRateContextMask = kFlipContexts - 1;
using FlipCounts = std::array<double, kFlipContexts>;

// Per-context flip frequencies of the flips sent so far (halved every
// step, so they follow the stream), and the bits a flip costs over a
// non-flip under them.
class FlipRateModel {
 public:
  FlipRateModel() { Reset(); }

  // Forgets everything (a key packet restarts the history).
  void Reset();

  // The model samples one step's flips at every ObserveStride(count)-th
  // coordinate of `count`: every 8th, or fewer where that would exceed
  // about 2^18 samples, plenty for 64 frequencies (at 16M coordinates
  // counting every 8th took ~7% of the encoder's time, most of it waiting
  // on its own counters).
  static uint64_t ObserveStride(uint64_t count) {
    uint64_t stride = 8;
    while (count / stride > kMaxObserved) stride *= 2;
    return stride;
  }
  static constexpr uint64_t kMaxObserved = uint64_t{1} << 18;

  // Adds one step's sample, counted by whoever walks the flips anyway (the
  // encoder, block by block): per context (of any history length, masked
  // with kRateContextMask), the sampled coordinates and how many of them
  // flipped.
  using StepCounts = std::array<uint64_t, kFlipContexts>;
  void ObserveCounts(const StepCounts& step_flips,
                     const StepCounts& step_totals);

  // The counts, for saving and restoring an encoder's state.
  const FlipCounts& flips() const { return flips_; }
  const FlipCounts& totals() const { return totals_; }
  void SetCounts(const FlipCounts& flips,
                 const FlipCounts& totals) {
    flips_ = flips;
    totals_ = totals;
    UpdateCosts();
  }

  // log2(P(no flip) / P(flip)) in `context`: the bits a flip costs over a
  // non-flip, negative where flips are the likelier outcome.
  double FlipExtraBits(uint32_t context) const {
    return flip_extra_bits_[context];
  }

 private:
  void UpdateCosts();

  FlipCounts flips_;
  FlipCounts totals_;
  FlipCounts flip_extra_bits_;
};

// The thresholds' resolution: a context's extra bits are rounded to
// multiples of 1/kRuleLevelsPerBit, so that at most kMaxExtraBits they fit
// seven bits and the vector path looks 32 contexts up at once in a
// 64-byte table (a float gather per eight coordinates took most of the
// rule's time). The rounding moves a context's extra bits by at most
// 1/62 bit (under 0.4% of the cap); contexts below 1/62 bit, where flip
// and non-flip are about equally likely, never override.
inline constexpr int kRuleLevelsPerBit = 31;

// The rule with one packet's lambda and flip costs, applied a run of a
// block's coordinates at a time (the encoder works block by block while
// the block's p is in cache): a coordinate whose raw sign (the sign of p)
// would make the unlikelier of flip and non-flip against its reference
// sign gets the other sign when the rule above says so, i.e. when
//
//   |p_i| * (kRuleLevelsPerBit / factor) < level(context_i) & 0x7F
//
// in float arithmetic, factor = BlockFactor(alpha).
class RateDistortionRule {
 public:
  // lambda = 0 sends every raw sign.
  RateDistortionRule(double lambda, const FlipRateModel& model);

  // The threshold factor of a block whose scale estimate is `alpha` (the
  // block's previous scale): |p_i| is compared with it times the rounded
  // extra bits, level / kRuleLevelsPerBit. The rule sends the raw signs of
  // a block whose factor is not > 0.
  float BlockFactor(float alpha) const {
    return static_cast<float>(lambda_ * alpha / 4);
  }

  // A context's level: bits 0..6 min(kMaxExtraBits, |FlipExtraBits|) in
  // units of 1/kRuleLevelsPerBit, computed in double and rounded to
  // nearest, halves away from zero; bit 7 set where flips
  // are the likelier outcome (FlipExtraBits < 0), so that one lookup
  // yields both. `context` of any history length (masked with
  // kRateContextMask).
  uint8_t level(uint32_t context) const {
    return levels_[context & kRateContextMask];
  }
  // level() of contexts 0..63, for the encode pass's loop that applies the
  // rule as it forms p (form_run.h).
  const uint8_t* levels() const { return levels_.data(); }

  // Whether the rule may override signs in a block of this factor (lambda
  // and factor > 0); it sends the raw signs of the others.
  bool Applies(float factor) const { return lambda_ > 0 && factor > 0; }
  // What |p_i| is multiplied by before the comparison with the levels in
  // a block of this factor.
  static float LevelScale(float factor) {
    return static_cast<float>(kRuleLevelsPerBit) / factor;
  }

  // For `count` coordinates of one block: `p` their values, `contexts`
  // their flip contexts, `raw` and `reference` their sign bits (bit k of
  // word k / 64 for coordinate k, zero past `count`). Writes the signs to
  // send to `chosen` (as many words) and returns how many differ from the
  // raw ones. Adds |p_i| of those among the first count / 8 * 8 to
  // against_lanes[i mod 8], in coordinate order: the caller sums the
  // block's <p_b, s_b> = ||p_b||_1 - 2 sum(|p_i| against) in the order it
  // sums ||p_b||_1 (form_run.h), so that every build comes out alike.
  uint64_t Choose(const float* p, uint64_t count, const uint64_t* raw,
                  const uint64_t* reference, const uint8_t* contexts,
                  float factor, uint64_t* chosen,
                  float* against_lanes) const;

 private:
  double lambda_;
  std::array<uint8_t, kFlipContexts> levels_;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SIGNXOR_RATE_DISTORTION_H_
