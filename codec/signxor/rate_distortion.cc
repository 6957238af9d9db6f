#include "codec/signxor/rate_distortion.h"

#include <algorithm>
#include <bit>
#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "codec/entropy/cpu_features.h"

namespace gradcodec::internal {

void FlipRateModel::Reset() {
  // A prior of one flip in ten: sign changes of momentum-filtered updates
  // are rare, and the first delta after a key has nothing better.
  flips_.fill(1.0);
  totals_.fill(10.0);
  UpdateCosts();
}

void FlipRateModel::Observe(const uint64_t* flips, const uint8_t* contexts,
                            uint64_t count) {
  StepCounts step_flips{};
  StepCounts step_totals{};
  for (uint64_t i = 0; i < count; i += kObserveStride) {
    const uint32_t context = contexts[i] & kRateContextMask;
    ++step_totals[context];
    step_flips[context] += (flips[i >> 6] >> (i & 63)) & 1;
  }
  ObserveCounts(step_flips, step_totals);
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
    const auto capped = static_cast<float>(std::min(kMaxExtraBits, std::fabs(bits)));
    extra_[c] = bits < 0 ? -capped : capped;
  }
}

namespace {

// The coordinates whose raw sign the rule overrides: bit i of
// against[i / 64] for |p_i| < factor * |extra[context_i]| where the raw
// sign makes the outcome the context does not favour (a flip where
// extra >= 0, a non-flip where extra < 0).
void AgainstMasksPortable(const float* p, uint64_t count, const uint64_t* raw,
                          const uint64_t* reference, const uint8_t* contexts,
                          float factor, const float* extra,
                          uint64_t* against) {
  for (uint64_t w = 0; w < (count + 63) / 64; ++w) {
    const uint64_t valid =
        count - w * 64 >= 64 ? ~uint64_t{0}
                             : (uint64_t{1} << (count - w * 64)) - 1;
    const uint64_t flips = raw[w] ^ reference[w];
    uint64_t word = 0;
    for (uint64_t bits = valid; bits != 0; bits &= bits - 1) {
      const auto bit = static_cast<uint64_t>(std::countr_zero(bits));
      const uint64_t i = w * 64 + bit;
      const float e = extra[contexts[i] & kRateContextMask];
      const bool unlikely = ((flips >> bit) & 1) != (e < 0 ? 1u : 0u);
      word |= static_cast<uint64_t>(unlikely &&
                                    std::fabs(p[i]) < factor * std::fabs(e))
              << bit;
    }
    against[w] = word;
  }
}

#if defined(__x86_64__)
// Every coordinate at once, eight per step, with no branch on the data:
// about half the signs change from step to step, so visiting only the
// changed ones saved little and mispredicted on each.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void AgainstMasksAvx2(
    const float* p, uint64_t count, const uint64_t* raw,
    const uint64_t* reference, const uint8_t* contexts, float factor,
    const float* extra, uint64_t* against) {
  // thresholds[c] = factor * extra[c]: the same float product as above,
  // its sign bit the favoured outcome's.
  alignas(32) float thresholds[kFlipContexts];
  const __m256 vfactor = _mm256_set1_ps(factor);
  for (int c = 0; c < kFlipContexts; c += 8) {
    _mm256_store_ps(thresholds + c,
                    _mm256_mul_ps(vfactor, _mm256_loadu_ps(extra + c)));
  }
  const __m256 abs_mask =
      _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  const __m256i rate_context_mask =
      _mm256_set1_epi32(static_cast<int>(kRateContextMask));
  const uint64_t full = count / 64;
  for (uint64_t w = 0; w < full; ++w) {
    uint64_t below = 0;
    uint64_t favour_flip = 0;
    for (int k = 0; k < 64; k += 8) {
      const uint64_t i = w * 64 + static_cast<uint64_t>(k);
      const __m256i context = _mm256_and_si256(
          _mm256_cvtepu8_epi32(
              _mm_loadl_epi64(reinterpret_cast<const __m128i*>(contexts + i))),
          rate_context_mask);
      const __m256 threshold =
          _mm256_i32gather_ps(thresholds, context, sizeof(float));
      const __m256 magnitude = _mm256_and_ps(_mm256_loadu_ps(p + i), abs_mask);
      below |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_ps(
                   _mm256_cmp_ps(magnitude, _mm256_and_ps(threshold, abs_mask),
                                 _CMP_LT_OQ))))
               << k;
      favour_flip |= static_cast<uint64_t>(static_cast<uint32_t>(
                         _mm256_movemask_ps(threshold)))
                     << k;
    }
    against[w] = below & (raw[w] ^ reference[w] ^ favour_flip);
  }
  if (full * 64 < count) {
    AgainstMasksPortable(p + full * 64, count - full * 64, raw + full,
                         reference + full, contexts + full * 64, factor, extra,
                         against + full);
  }
}
#endif

}  // namespace

uint64_t RateDistortionRule::Choose(const float* p, uint64_t count,
                                    const uint64_t* raw,
                                    const uint64_t* reference,
                                    const uint8_t* contexts, float factor,
                                    uint64_t* chosen,
                                    double* against_abs) const {
  const uint64_t words = (count + 63) / 64;
  if (!(lambda_ > 0 && factor > 0)) {
    std::copy(raw, raw + words, chosen);
    return 0;
  }
  // The masks first, then the overridden magnitudes added in coordinate
  // order (the double sum must see them in that order to come out the
  // same).
  uint64_t* const against = chosen;
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) {
    AgainstMasksAvx2(p, count, raw, reference, contexts, factor,
                     extra_.data(), against);
  } else {
    AgainstMasksPortable(p, count, raw, reference, contexts, factor,
                         extra_.data(), against);
  }
#else
  AgainstMasksPortable(p, count, raw, reference, contexts, factor,
                       extra_.data(), against);
#endif
  uint64_t overridden = 0;
  double block_against = *against_abs;
  for (uint64_t w = 0; w < words; ++w) {
    for (uint64_t bits = against[w]; bits != 0; bits &= bits - 1) {
      block_against += std::fabs(p[w * 64 + static_cast<uint64_t>(
                                             std::countr_zero(bits))]);
    }
    overridden += static_cast<uint64_t>(std::popcount(against[w]));
    chosen[w] = raw[w] ^ against[w];
  }
  *against_abs = block_against;
  return overridden;
}

}  // namespace gradcodec::internal
