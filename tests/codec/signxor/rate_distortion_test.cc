#include "codec/signxor/rate_distortion.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

// A model in which context 0 almost never flips and context 1 flips nine
// times in ten: the rule should keep changed signs in the first and flip
// unchanged ones in the second, but only for coordinates small enough.
FlipRateModel SkewedModel() {
  FlipRateModel model;
  FlipRateModel::StepCounts flips{}, totals{};
  totals[0] = 1000;
  flips[1] = 900;
  totals[1] = 1000;
  model.ObserveCounts(flips, totals);
  return model;
}

TEST(RateDistortionRuleTest, SendsTheLikelierOutcomeForSmallCoordinates) {
  const FlipRateModel model = SkewedModel();
  ASSERT_GT(model.FlipExtraBits(0), 4.0);
  ASSERT_LT(model.FlipExtraBits(1), -2.0);
  const RateDistortionRule rule(1.0, model);
  const float factor = rule.BlockFactor(1.0f);  // 1/4

  // 70 coordinates (a full word and a tail): coordinate i has context
  // i % 2, its raw sign differs from the reference when i % 4 < 2, and it
  // is small (|p| = 0.1, below any threshold here) when i % 8 < 4.
  constexpr uint64_t kCount = 70;
  std::vector<float> p(kCount);
  std::vector<uint8_t> contexts(kCount);
  std::vector<uint64_t> raw(2, 0), reference(2, 0), chosen(2, 0);
  for (uint64_t i = 0; i < kCount; ++i) {
    contexts[i] = static_cast<uint8_t>(i % 2);
    p[i] = i % 8 < 4 ? -0.1f : -3.0f;  // negative: raw sign bit 1
    raw[i / 64] |= uint64_t{1} << (i % 64);
    if (i % 4 >= 2) reference[i / 64] |= uint64_t{1} << (i % 64);
  }
  double against_abs = 0;
  const uint64_t overridden =
      rule.Choose(p.data(), kCount, raw.data(), reference.data(),
                  contexts.data(), factor, chosen.data(), &against_abs);

  uint64_t expected_count = 0;
  double expected_abs = 0;
  for (uint64_t i = 0; i < kCount; ++i) {
    const bool changed = i % 4 < 2;
    const bool small = i % 8 < 4;
    // Context 0 favours no flip, context 1 a flip.
    const bool unlikely = contexts[i] == 0 ? changed : !changed;
    const bool against = unlikely && small;
    const bool raw_bit = true;
    const bool sent = ((chosen[i / 64] >> (i % 64)) & 1) != 0;
    EXPECT_EQ(sent, against ? !raw_bit : raw_bit) << "coordinate " << i;
    if (against) {
      ++expected_count;
      expected_abs += std::fabs(p[i]);
    }
  }
  EXPECT_EQ(overridden, expected_count);
  EXPECT_DOUBLE_EQ(against_abs, expected_abs);
  EXPECT_EQ(chosen[1] >> (kCount - 64), 0u) << "bits past the count";
}

TEST(RateDistortionRuleTest, LambdaZeroSendsTheRawSigns) {
  const RateDistortionRule rule(0.0, SkewedModel());
  std::vector<float> p(64, 0.01f);
  std::vector<uint8_t> contexts(64, 1);
  std::vector<uint64_t> raw = {0x123456789ABCDEFull}, reference = {0},
                        chosen = {0};
  double against_abs = 0;
  EXPECT_EQ(rule.Choose(p.data(), 64, raw.data(), reference.data(),
                        contexts.data(), rule.BlockFactor(1.0f), chosen.data(),
                        &against_abs),
            0u);
  EXPECT_EQ(chosen[0], raw[0]);
}

}  // namespace
}  // namespace gradcodec::internal
