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

uint64_t ChooseSigns(absl::Span<const float> p, const uint64_t* raw,
                     const uint64_t* reference, const uint8_t* contexts,
                     absl::Span<const uint64_t> block_starts,
                     const float* alphas, double lambda,
                     const FlipRateModel& model, uint64_t* chosen,
                     double* kept_abs) {
  const uint64_t n = p.size();
  const uint64_t words = (n + 63) / 64;
  std::copy(raw, raw + words, chosen);
  const size_t blocks = block_starts.size() < 2 ? 0 : block_starts.size() - 1;
  std::fill(kept_abs, kept_abs + blocks, 0.0);
  if (lambda <= 0) return 0;
  const float* const in = p.data();
  uint64_t kept = 0;
  // Thresholds in float: |p_i| < scale * extra_bits(context).
  std::array<float, kFlipContexts> extra;
  // Capped: in a context where flips have become very rare the saving
  // looks large, the rule keeps ever more signs, and the error of the kept
  // coordinates grows without bound.
  for (int c = 0; c < kFlipContexts; ++c) {
    extra[c] = static_cast<float>(std::min(
        kMaxExtraBits, model.ExtraBits(static_cast<uint32_t>(c))));
  }
  for (size_t b = 0; b < blocks; ++b) {
    const uint64_t begin = block_starts[b];
    const uint64_t end = block_starts[b + 1];
    const auto scale = static_cast<float>(lambda * alphas[b] / 4);
    if (!(scale > 0)) continue;
    double block_kept = 0;
    // Visit only the coordinates whose sign changed, a word at a time; the
    // decision itself is branch-free (it is as unpredictable as the data).
    for (uint64_t w = begin >> 6; w <= (end - 1) >> 6; ++w) {
      uint64_t changed = raw[w] ^ reference[w];
      const uint64_t lo = std::max(begin, w * 64) - w * 64;
      const uint64_t hi = std::min(end, w * 64 + 64) - w * 64;
      changed &= (hi == 64 ? ~uint64_t{0} : (uint64_t{1} << hi) - 1) &
                 ~((uint64_t{1} << lo) - 1);
      uint64_t keep = 0;
      for (; changed != 0; changed &= changed - 1) {
        const auto bit = static_cast<uint64_t>(std::countr_zero(changed));
        const uint64_t i = w * 64 + bit;
        const float magnitude = std::fabs(in[i]);
        const bool k = magnitude < scale * extra[contexts[i]];
        keep |= static_cast<uint64_t>(k) << bit;
        block_kept += k ? magnitude : 0.0f;
      }
      chosen[w] ^= keep;  // back to the reference where kept
      kept += static_cast<uint64_t>(std::popcount(keep));
    }
    kept_abs[b] = block_kept;
  }
  return kept;
}

}  // namespace gradcodec::internal
