#include "codec/signxor/rate_distortion.h"

#include <algorithm>
#include <bit>
#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "codec/entropy/byte_lookup_avx2.h"
#include "codec/entropy/cpu_features.h"
#include "codec/signxor/rule_compare_avx2.h"

namespace gradcodec::internal {

void FlipRateModel::Reset() {
  // A prior of one flip in ten: sign changes of momentum-filtered updates
  // are rare, and the first delta after a key has nothing better.
  flips_.fill(1.0);
  totals_.fill(10.0);
  UpdateCosts();
}

void FlipRateModel::ObserveCounts(const StepCounts& step_flips,
                                  const StepCounts& step_totals) {
  for (int c = 0; c < kFlipContexts; ++c) {
    flips_[c] = 0.5 * flips_[c] + static_cast<double>(step_flips[c]);
    totals_[c] = 0.5 * totals_[c] + static_cast<double>(step_totals[c]);
  }
  UpdateCosts();
}

void FlipRateModel::UpdateCosts() {
  for (int c = 0; c < kFlipContexts; ++c) {
    // Add-half smoothing keeps both probabilities away from 0 and 1.
    const double p = (flips_[c] + 0.5) / (totals_[c] + 1.0);
    flip_extra_bits_[c] = std::log2((1.0 - p) / p);
  }
}

RateDistortionRule::RateDistortionRule(double lambda,
                                       const FlipRateModel& model)
    : lambda_(lambda) {
  // Capped: in a context where one outcome has become very rare the saving
  // looks large, the rule sends ever more signs against p, and their error
  // grows without bound.
  for (int c = 0; c < kFlipContexts; ++c) {
    const double bits = model.FlipExtraBits(static_cast<uint32_t>(c));
    const auto magnitude = static_cast<uint8_t>(
        std::lround(std::min(kMaxExtraBits, std::fabs(bits)) * kRuleLevelsPerBit));
    levels_[c] = static_cast<uint8_t>(magnitude | (bits < 0 ? 0x80 : 0));
  }
}

namespace {

static_assert(kMaxExtraBits * kRuleLevelsPerBit < 128,
              "levels must leave bit 7 to the favoured outcome");

// The coordinates whose raw sign the rule overrides: bit i of against[i /
// 64] for |p_i| * scale < (level_i & 0x7F) where the raw sign makes the
// outcome the context does not favour (a flip where bit 7 of the level is
// clear, a non-flip where it is set); |p_i| of each among the first
// count / 8 * 8 added to lanes[i mod 8]. `lane_end` is that count / 8 *
// 8, counted from p[0] (which a caller must start on a multiple of 8).
void AgainstMasksPortable(const float* p, uint64_t count, const uint64_t* raw,
                          const uint64_t* reference, const uint8_t* contexts,
                          float scale, const uint8_t* levels,
                          uint64_t lane_end, uint64_t* against,
                          float* lanes) {
  for (uint64_t w = 0; w < (count + 63) / 64; ++w) {
    const uint64_t flips = raw[w] ^ reference[w];
    uint64_t word = 0;
    for (uint64_t bit = 0; bit < 64 && w * 64 + bit < count; ++bit) {
      const uint64_t i = w * 64 + bit;
      const uint8_t level = levels[contexts[i] & kRateContextMask];
      const bool favour_flip = (level & 0x80) != 0;
      const bool unlikely = ((flips >> bit) & 1) != (favour_flip ? 1u : 0u);
      const float magnitude = std::fabs(p[i]);
      const bool below =
          magnitude * scale < static_cast<float>(level & 0x7F);
      if (unlikely && below) {
        word |= uint64_t{1} << bit;
        if (i < lane_end) lanes[i & 7] += magnitude;
      }
    }
    against[w] = word;
  }
}

#if defined(__x86_64__)
// Every coordinate at once, no branch on the data: about half the signs
// change from step to step, so visiting only the changed ones saved little
// and mispredicted on each.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void AgainstMasksAvx2(
    const float* p, uint64_t count, const uint64_t* raw,
    const uint64_t* reference, const uint8_t* contexts, float scale,
    const uint8_t* levels, uint64_t* against, float* lanes) {
  const ByteTable64 tables = LoadByteTable64(levels);
  const __m256i rate_context_mask =
      _mm256_set1_epi8(static_cast<char>(kRateContextMask));
  const __m256 abs_mask =
      _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  const __m256 vscale = _mm256_set1_ps(scale);
  __m256 sum = _mm256_loadu_ps(lanes);
  const uint64_t full = count / 64;
  for (uint64_t w = 0; w < full; ++w) {
    const float* const pw = p + w * 64;
    uint64_t below = 0;
    uint64_t favour_flip = 0;
#pragma GCC unroll 2
    for (int half = 0; half < 2; ++half) {
      const __m256i level = LookUpBytes64(
          tables,
          _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(
                               contexts + w * 64 + 32 * half)),
                           rate_context_mask));
      favour_flip |= static_cast<uint64_t>(static_cast<uint32_t>(
                         _mm256_movemask_epi8(level)))
                     << (32 * half);
      __m256 magnitudes[4];
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {
        magnitudes[k] =
            _mm256_and_ps(_mm256_loadu_ps(pw + 32 * half + 8 * k), abs_mask);
      }
      below |= static_cast<uint64_t>(BelowLevels32(magnitudes, vscale, level))
               << (32 * half);
    }
    const uint64_t word = below & (raw[w] ^ reference[w] ^ favour_flip);
    against[w] = word;
    sum = AddSelectedMagnitudes(sum, word, pw);
  }
  _mm256_storeu_ps(lanes, sum);
  if (full * 64 < count) {
    AgainstMasksPortable(p + full * 64, count - full * 64, raw + full,
                         reference + full, contexts + full * 64, scale, levels,
                         count / 8 * 8 - full * 64, against + full, lanes);
  }
}
#endif

}  // namespace

uint64_t RateDistortionRule::Choose(const float* p, uint64_t count,
                                    const uint64_t* raw,
                                    const uint64_t* reference,
                                    const uint8_t* contexts, float factor,
                                    uint64_t* chosen,
                                    float* against_lanes) const {
  const uint64_t words = (count + 63) / 64;
  if (!Applies(factor)) {
    std::copy(raw, raw + words, chosen);
    return 0;
  }
  const float scale = LevelScale(factor);
  uint64_t* const against = chosen;
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) {
    AgainstMasksAvx2(p, count, raw, reference, contexts, scale,
                     levels_.data(), against, against_lanes);
  } else {
    AgainstMasksPortable(p, count, raw, reference, contexts, scale,
                         levels_.data(), count / 8 * 8, against,
                         against_lanes);
  }
#else
  AgainstMasksPortable(p, count, raw, reference, contexts, scale,
                       levels_.data(), count / 8 * 8, against, against_lanes);
#endif
  uint64_t overridden = 0;
  for (uint64_t w = 0; w < words; ++w) {
    overridden += static_cast<uint64_t>(std::popcount(against[w]));
    chosen[w] = raw[w] ^ against[w];
  }
  return overridden;
}

}  // namespace gradcodec::internal
