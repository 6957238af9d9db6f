#include "codec/signxor/rate_distortion.h"

#include <algorithm>
#include <bit>
#include <cmath>

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
  std::array<uint64_t, kFlipContexts> step_flips{};
  std::array<uint64_t, kFlipContexts> step_totals{};
  for (uint64_t i = 0; i < count; i += kObserveStride) {
    ++step_totals[contexts[i]];
    step_flips[contexts[i]] += (flips[i >> 6] >> (i & 63)) & 1;
  }
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
    extra_bits_[c] = std::max(0.0, std::log2((1.0 - p) / p));
  }
}

KeepRule::KeepRule(double lambda, const FlipRateModel& model)
    : lambda_(lambda) {
  // Capped: in a context where flips have become very rare the saving
  // looks large, the rule keeps ever more signs, and the error of the kept
  // coordinates grows without bound.
  for (int c = 0; c < kFlipContexts; ++c) {
    extra_[c] = static_cast<float>(std::min(
        kMaxExtraBits, model.ExtraBits(static_cast<uint32_t>(c))));
  }
}

uint64_t KeepRule::Choose(const float* p, uint64_t count, const uint64_t* raw,
                          const uint64_t* reference, const uint8_t* contexts,
                          float factor, uint64_t* chosen,
                          double* kept_abs) const {
  const uint64_t words = (count + 63) / 64;
  if (!(lambda_ > 0 && factor > 0)) {
    std::copy(raw, raw + words, chosen);
    return 0;
  }
  uint64_t kept = 0;
  double block_kept = *kept_abs;
  // Visit only the coordinates whose sign changed, a word at a time; the
  // decision itself is branch-free (it is as unpredictable as the data).
  for (uint64_t w = 0; w < words; ++w) {
    uint64_t keep = 0;
    for (uint64_t changed = raw[w] ^ reference[w]; changed != 0;
         changed &= changed - 1) {
      const auto bit = static_cast<uint64_t>(std::countr_zero(changed));
      const uint64_t i = w * 64 + bit;
      const float magnitude = std::fabs(p[i]);
      const bool k = magnitude < factor * extra_[contexts[i]];
      keep |= static_cast<uint64_t>(k) << bit;
      block_kept += k ? magnitude : 0.0f;
    }
    chosen[w] = raw[w] ^ keep;  // back to the reference where kept
    kept += static_cast<uint64_t>(std::popcount(keep));
  }
  *kept_abs = block_kept;
  return kept;
}

}  // namespace gradcodec::internal
