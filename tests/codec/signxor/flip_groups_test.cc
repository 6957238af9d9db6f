#include "codec/signxor/flip_groups.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

using Counts = FlipRateModel::StepCounts;

// The estimated size of a grouping: sum over groups of T_g H(F_g / T_g).
double GroupedBits(const Counts& flips, const Counts& totals,
                   const std::vector<uint8_t>& group_of, uint32_t contexts,
                   uint32_t groups) {
  std::vector<double> f(groups, 0), t(groups, 0);
  for (uint32_t c = 0; c < contexts; ++c) {
    f[group_of[c]] += static_cast<double>(flips[c]);
    t[group_of[c]] += static_cast<double>(totals[c]);
  }
  double bits = 0;
  for (uint32_t g = 0; g < groups; ++g) {
    if (f[g] <= 0 || f[g] >= t[g]) continue;
    const double p = f[g] / t[g];
    bits -= t[g] * (p * std::log2(p) + (1 - p) * std::log2(1 - p));
  }
  return bits;
}

// The fewest bits of any grouping of `contexts` contexts into at most
// `max_groups` groups, contiguous or not (every assignment, by brute
// force), for each number of groups 1..max_groups.
std::vector<double> BestBitsByGroupCount(const Counts& flips,
                                         const Counts& totals,
                                         uint32_t contexts,
                                         uint32_t max_groups) {
  std::vector<double> best(max_groups + 1, INFINITY);
  std::vector<uint8_t> group_of(contexts, 0);
  // Restricted growth strings: each context joins a used group or opens
  // the next one, so every partition appears once.
  std::function<void(uint32_t, uint32_t)> walk = [&](uint32_t c,
                                                     uint32_t used) {
    if (c == contexts) {
      best[used] = std::min(
          best[used], GroupedBits(flips, totals, group_of, contexts, used));
      return;
    }
    for (uint32_t g = 0; g <= used && g < max_groups; ++g) {
      group_of[c] = static_cast<uint8_t>(g);
      walk(c + 1, std::max(used, g + 1));
    }
  };
  walk(0, 0);
  for (uint32_t g = 2; g <= max_groups; ++g) {
    best[g] = std::min(best[g], best[g - 1]);
  }
  return best;
}

// Against every grouping of up to 7 contexts: the chosen one is within the
// tolerance of the best with as many groups as allowed, and no grouping
// with fewer groups than it takes is.
TEST(FlipGroupsTest, ChoosesTheFewestGroupsWithinToleranceOfTheBest) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    const auto contexts = static_cast<uint32_t>(1 + rng() % 7);
    const auto max_groups = static_cast<uint32_t>(1 + rng() % 4);
    Counts flips{}, totals{};
    for (uint32_t c = 0; c < contexts; ++c) {
      totals[c] = rng() % 4 == 0 ? 0 : 1 + rng() % 5000;
      flips[c] = totals[c] == 0 ? 0 : rng() % (totals[c] + 1);
    }
    const FlipGroups chosen =
        ChooseFlipGroups(flips, totals, contexts, max_groups);
    ASSERT_GE(chosen.group_count, 1u);
    ASSERT_LE(chosen.group_count, std::min(contexts, max_groups));
    std::vector<uint8_t> group_of(chosen.group_of.begin(),
                                  chosen.group_of.begin() + contexts);
    std::vector<bool> used(chosen.group_count, false);
    for (uint8_t g : group_of) {
      ASSERT_LT(g, chosen.group_count);
      used[g] = true;
    }
    EXPECT_TRUE(std::all_of(used.begin(), used.end(), [](bool u) { return u; }))
        << "trial " << trial << ": an empty group";
    const std::vector<double> best =
        BestBitsByGroupCount(flips, totals, contexts, max_groups);
    const double limit = best[max_groups] * 1.0025 + 1.0;
    const double bits =
        GroupedBits(flips, totals, group_of, contexts, chosen.group_count);
    EXPECT_LE(bits, limit + 1e-9) << "trial " << trial;
    if (chosen.group_count > 1) {
      EXPECT_GT(best[chosen.group_count - 1], limit - 1e-9)
          << "trial " << trial << ": fewer groups would do";
    }
  }
}

// Contexts of one rate share a group; with no flips anywhere, or no
// samples, one group takes every context.
TEST(FlipGroupsTest, EqualRatesShareAGroup) {
  Counts flips{}, totals{};
  for (uint32_t c = 0; c < 64; ++c) {
    totals[c] = 1000;
    flips[c] = c % 2 == 0 ? 10 : 900;  // two rates
  }
  const FlipGroups two = ChooseFlipGroups(flips, totals, 64, kMaxFlipGroups);
  EXPECT_EQ(two.group_count, 2u);
  for (uint32_t c = 0; c < 64; ++c) {
    EXPECT_EQ(two.group_of[c], two.group_of[c % 2]) << "context " << c;
  }
  EXPECT_NE(two.group_of[0], two.group_of[1]);
  const FlipGroups none =
      ChooseFlipGroups(Counts{}, Counts{}, 64, kMaxFlipGroups);
  EXPECT_EQ(none.group_count, 1u);
  const FlipGroups one = ChooseFlipGroups(flips, totals, 1, kMaxFlipGroups);
  EXPECT_EQ(one.group_count, 1u);
  EXPECT_EQ(one.group_of[0], 0);
}

}  // namespace
}  // namespace gradcodec::internal
