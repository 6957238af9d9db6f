#include "codec/signxor/flip_groups.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>

namespace gradcodec::internal {
namespace {

// Bits of `total` i.i.d. flips of which `flipped` flipped, at their own
// rate: total * H(flipped / total).
double SequenceBits(double flipped, double total) {
  if (flipped <= 0 || flipped >= total) return 0;
  const double p = flipped / total;
  return -total * (p * std::log2(p) + (1 - p) * std::log2(1 - p));
}

// How many more bits than the best grouping fewer groups may take.
constexpr double kGroupTolerance = 1.0025;

}  // namespace

FlipGroups ChooseFlipGroups(const FlipRateModel::StepCounts& flips,
                            const FlipRateModel::StepCounts& totals,
                            uint32_t context_count, uint32_t max_groups) {
  assert(context_count >= 1 && context_count <= kFlipContexts);
  assert(max_groups >= 1 && max_groups <= kMaxFlipGroups);
  const uint32_t n =
      std::clamp(context_count, 1u, static_cast<uint32_t>(kFlipContexts));
  // The contexts by sampled rate, add-half smoothed as the rate model's
  // (ties by context, so that the order is the same on every platform).
  std::array<uint32_t, kFlipContexts> order{};
  std::iota(order.begin(), order.begin() + n, 0u);
  auto rate = [&](uint32_t c) {
    return (static_cast<double>(flips[c]) + 0.5) /
           (static_cast<double>(totals[c]) + 1.0);
  };
  std::sort(order.begin(), order.begin() + n, [&](uint32_t a, uint32_t b) {
    const double ra = rate(a), rb = rate(b);
    return ra != rb ? ra < rb : a < b;
  });

  // Prefix sums of the sampled flips and totals in sorted order.
  std::array<double, kFlipContexts + 1> flipped{}, total{};
  for (uint32_t k = 0; k < n; ++k) {
    flipped[k + 1] = flipped[k] + static_cast<double>(flips[order[k]]);
    total[k + 1] = total[k] + static_cast<double>(totals[order[k]]);
  }
  // cost[i][j]: bits of the contexts order[i .. j) as one group, each
  // pair's two logarithms taken once (the search below asks for a pair
  // once per group count; the logarithms were a third of a 64K-coordinate
  // step's encode).
  std::array<std::array<double, kFlipContexts + 1>, kFlipContexts + 1> cost;
  for (uint32_t i = 0; i <= n; ++i) {
    for (uint32_t j = i; j <= n; ++j) {
      cost[i][j] = SequenceBits(flipped[j] - flipped[i], total[j] - total[i]);
    }
  }

  // best[g][j]: the fewest bits for order[0 .. j) in g + 1 groups, and
  // where its last group starts. Then the fewest groups within 0.25% of
  // the best (and a bit, for the smallest samples): each group more slows
  // the split. On the codec bench's steps that is mostly 7 groups.
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  std::array<std::array<double, kFlipContexts + 1>, kMaxFlipGroups> best{};
  std::array<std::array<uint32_t, kFlipContexts + 1>, kMaxFlipGroups> start{};
  // (Clamped as well as asserted: the tables below hold kMaxFlipGroups.)
  const uint32_t groups_max =
      std::min({std::max(max_groups, 1u), kMaxFlipGroups, n});
  for (uint32_t j = 0; j <= n; ++j) best[0][j] = cost[0][j];
  for (uint32_t g = 1; g < groups_max; ++g) {
    for (uint32_t j = 0; j <= n; ++j) {
      best[g][j] = kInfinity;
      for (uint32_t i = g; i <= j; ++i) {
        const double bits = best[g - 1][i] + cost[i][j];
        if (bits < best[g][j]) {
          best[g][j] = bits;
          start[g][j] = i;
        }
      }
    }
  }
  uint32_t groups = groups_max;
  for (uint32_t g = 0; g < groups_max; ++g) {
    if (best[g][n] <= best[groups_max - 1][n] * kGroupTolerance + 1.0) {
      groups = g + 1;
      break;
    }
  }

  FlipGroups out;
  out.group_count = groups;
  uint32_t end = n;
  for (uint32_t g = groups; g-- > 0;) {
    const uint32_t begin = g == 0 ? 0 : start[g][end];
    for (uint32_t k = begin; k < end; ++k) {
      out.group_of[order[k]] = static_cast<uint8_t>(g);
    }
    end = begin;
  }
  return out;
}

}  // namespace gradcodec::internal
