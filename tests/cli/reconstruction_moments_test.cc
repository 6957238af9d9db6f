#include "cli/commands/reconstruction_moments.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace gradcodec::cli {
namespace {

// Against sums over a dense Delta, for ranges that start and end anywhere
// in a word, blocks of odd sizes, a block that spans two ranges (method
// sign's), zero scales and negative zero. The tool sums in float lanes
// over 64 coordinates, so it agrees to float precision.
TEST(ReconstructionMomentsTest, MatchesTheDenseSums) {
  constexpr uint64_t n = 1000;
  std::mt19937_64 random(7);
  std::normal_distribution<float> normal;
  std::vector<float> v(n);
  for (float& x : v) x = normal(random);
  std::vector<uint64_t> signs((n + 63) / 64), previous(signs.size());
  for (uint64_t& w : signs) w = random();
  for (uint64_t& w : previous) w = random();
  const std::vector<uint64_t> starts = {0, 3, 70, 70, 200, 457, 1000};
  const std::vector<float> scales = {0.5f, 1.25f, 9.0f, 0.0f, 0.75f, 2.0f};
  const SignedScales delta{signs, starts, scales};

  std::vector<float> dense(n);
  for (size_t b = 0; b + 1 < starts.size(); ++b) {
    for (uint64_t i = starts[b]; i < starts[b + 1]; ++i) {
      dense[i] = ((signs[i / 64] >> (i % 64)) & 1) ? -scales[b] : scales[b];
    }
  }
  for (auto [begin, end] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 1000}, {0, 3}, {5, 133}, {200, 457}, {300, 999}, {64, 64}}) {
    SCOPED_TRACE(::testing::Message() << "[" << begin << ", " << end << ")");
    double error = 0, reference = 0, output = 0, dot = 0;
    uint64_t flips = 0;
    for (uint64_t i = begin; i < end; ++i) {
      const double d = dense[i], x = v[i];
      error += (d - x) * (d - x);
      reference += x * x;
      output += d * d;
      dot += d * x;
      flips += ((signs[i / 64] ^ previous[i / 64]) >> (i % 64)) & 1;
    }
    const ReconstructionMoments m =
        MeasureReconstruction(v, delta, previous, begin, end);
    EXPECT_NEAR(m.error_squares, error, 1e-6 * (1 + error));
    EXPECT_NEAR(m.reference_squares, reference, 1e-6 * (1 + reference));
    EXPECT_NEAR(m.output_squares, output, 1e-6 * (1 + output));
    EXPECT_NEAR(m.dot, dot, 1e-6 * (1 + std::fabs(dot)));
    EXPECT_EQ(m.flips, flips);
    EXPECT_EQ(MeasureReconstruction(v, delta, {}, begin, end).flips, 0u);
    // The shifted methods' way, from the dense Delta.
    const ReconstructionMoments d =
        MeasureDenseReconstruction(v, dense, begin, end);
    EXPECT_NEAR(d.error_squares, error, 1e-6 * (1 + error));
    EXPECT_NEAR(d.reference_squares, reference, 1e-6 * (1 + reference));
    EXPECT_NEAR(d.output_squares, output, 1e-6 * (1 + output));
    EXPECT_NEAR(d.dot, dot, 1e-6 * (1 + std::fabs(dot)));
  }
}

}  // namespace
}  // namespace gradcodec::cli
