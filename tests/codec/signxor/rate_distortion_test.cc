#include "codec/signxor/rate_distortion.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "codec/entropy/cpu_features.h"
#include "gtest/gtest.h"
#include "spread_rate_model.h"

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
  float lanes[8] = {};
  const uint64_t overridden =
      rule.Choose(p.data(), kCount, raw.data(), reference.data(),
                  contexts.data(), factor, chosen.data(), lanes);

  uint64_t expected_count = 0;
  float expected_lanes[8] = {};
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
      // The lanes take the first 64 (70 / 8 * 8); the caller the rest.
      if (i < 64) expected_lanes[i % 8] += std::fabs(p[i]);
    }
  }
  EXPECT_EQ(overridden, expected_count);
  for (int k = 0; k < 8; ++k) EXPECT_EQ(lanes[k], expected_lanes[k]) << k;
  EXPECT_EQ(chosen[1] >> (kCount - 64), 0u) << "bits past the count";
}

TEST(RateDistortionRuleTest, LambdaZeroSendsTheRawSigns) {
  const RateDistortionRule rule(0.0, SkewedModel());
  std::vector<float> p(64, 0.01f);
  std::vector<uint8_t> contexts(64, 1);
  std::vector<uint64_t> raw = {0x123456789ABCDEFull}, reference = {0},
                        chosen = {0};
  float lanes[8] = {};
  EXPECT_EQ(rule.Choose(p.data(), 64, raw.data(), reference.data(),
                        contexts.data(), rule.BlockFactor(1.0f), chosen.data(),
                        lanes),
            0u);
  EXPECT_EQ(chosen[0], raw[0]);
  for (float lane : lanes) EXPECT_EQ(lane, 0.0f);
}

TEST(RateDistortionRuleTest, LevelsRoundTheCappedExtraBits) {
  const FlipRateModel model = SpreadRateModel();
  const RateDistortionRule rule(1.25, model);
  for (uint32_t c = 0; c < kFlipContexts; ++c) {
    const double bits = model.FlipExtraBits(c);
    const long magnitude =
        std::lround(std::min(kMaxExtraBits, std::fabs(bits)) * kRuleLevelsPerBit);
    EXPECT_EQ(rule.level(c) & 0x7F, magnitude) << "context " << c;
    EXPECT_EQ((rule.level(c) & 0x80) != 0, bits < 0) << "context " << c;
  }
}

// Levels pinned where the extra bits are known: capped at 4 bits (124),
// exactly one bit favouring flips (31 with bit 7), and none (0).
TEST(RateDistortionRuleTest, LevelsOfKnownFlipRates) {
  // After a key the counts are 1 flip in 10; a step's counts add to half
  // of those, so q = (1 + flips) / (6 + totals).
  FlipRateModel model;
  FlipRateModel::StepCounts flips{}, totals{};
  totals[0] = 1000;  // q = 1/1006: 9.97 bits, capped
  flips[1] = 665;    // q = 2/3: a flip costs -1 bit
  totals[1] = 993;
  flips[2] = 502;    // q = 1/2
  totals[2] = 1000;
  model.ObserveCounts(flips, totals);
  const RateDistortionRule rule(1.0, model);
  EXPECT_EQ(rule.level(0), 124);
  EXPECT_EQ(rule.level(1), 0x80 | 31);
  EXPECT_EQ(rule.level(2) & 0x7F, 0);
}

TEST(FlipRateModelTest, ObserveStrideKeepsTheSampleNearTwoToTheEighteen) {
  EXPECT_EQ(FlipRateModel::ObserveStride(0), 8u);
  EXPECT_EQ(FlipRateModel::ObserveStride(26000), 8u);
  EXPECT_EQ(FlipRateModel::ObserveStride((uint64_t{1} << 21) + 7), 8u);
  EXPECT_EQ(FlipRateModel::ObserveStride((uint64_t{1} << 21) + 8), 16u);
  EXPECT_EQ(FlipRateModel::ObserveStride(uint64_t{1} << 24), 64u);
  for (uint64_t n : {uint64_t{1} << 22, uint64_t{100000000}, uint64_t{1} << 40}) {
    const uint64_t stride = FlipRateModel::ObserveStride(n);
    EXPECT_LE(n / stride, FlipRateModel::kMaxObserved) << n;
    EXPECT_GT(n / (stride / 2), FlipRateModel::kMaxObserved) << n;
  }
}

// Checks Choose against the rule as its header states it, coordinate by
// coordinate, on every count from 0 to 200 (full words, tails, and a tail
// past the last multiple of 8) and from there every 37th and p.size().
// Returns the signs it overrode in all.
uint64_t ExpectTheStatedRule(const RateDistortionRule& rule,
                             const std::vector<float>& p,
                             const std::vector<uint8_t>& contexts,
                             float factor) {
  const uint64_t max = p.size();
  const uint64_t words = (max + 63) / 64;
  std::vector<uint64_t> raw(words, 0), reference(words, 0);
  uint64_t state = 12345;
  for (uint64_t i = 0; i < max; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    if (p[i] < 0) raw[i / 64] |= uint64_t{1} << (i % 64);
    if ((state >> 40) % 2 == 0) reference[i / 64] |= uint64_t{1} << (i % 64);
  }
  const float scale = static_cast<float>(kRuleLevelsPerBit) / factor;
  uint64_t overridden_somewhere = 0;
  for (uint64_t count = 0; count <= max;
       count = count < 200 || count == max ? count + 1
                                           : std::min(max, count + 37)) {
    std::vector<uint64_t> raw_count(words, 0), reference_count(words, 0);
    for (uint64_t i = 0; i < count; ++i) {
      raw_count[i / 64] |= raw[i / 64] & (uint64_t{1} << (i % 64));
      reference_count[i / 64] |= reference[i / 64] & (uint64_t{1} << (i % 64));
    }
    std::vector<uint64_t> chosen(words, ~uint64_t{0});
    float lanes[8] = {0.5f, 0, 0, 0, 0, 0, 0, 1.0f};  // added to
    float expected_lanes[8] = {0.5f, 0, 0, 0, 0, 0, 0, 1.0f};
    const uint64_t overridden =
        rule.Choose(p.data(), count, raw_count.data(), reference_count.data(),
                    contexts.data(), factor, chosen.data(), lanes);
    uint64_t expected = 0;
    for (uint64_t i = 0; i < count; ++i) {
      const uint8_t level = rule.level(contexts[i]);
      const bool flip = (((raw[i / 64] ^ reference[i / 64]) >> (i % 64)) & 1) != 0;
      const bool unlikely = flip != ((level & 0x80) != 0);
      const bool below =
          std::fabs(p[i]) * scale < static_cast<float>(level & 0x7F);
      const bool against = unlikely && below;
      const bool raw_bit = ((raw[i / 64] >> (i % 64)) & 1) != 0;
      EXPECT_EQ(((chosen[i / 64] >> (i % 64)) & 1) != 0, raw_bit != against)
          << "count " << count << " coordinate " << i << " |p| " << p[i]
          << " level " << int{level};
      if (against) {
        ++expected;
        if (i < count / 8 * 8) expected_lanes[i % 8] += std::fabs(p[i]);
      }
    }
    EXPECT_EQ(overridden, expected) << "count " << count;
    for (int k = 0; k < 8; ++k) {
      EXPECT_EQ(lanes[k], expected_lanes[k]) << "count " << count << " lane " << k;
    }
    if (count % 64 != 0) {
      EXPECT_EQ(chosen[count / 64] >> (count % 64), 0u) << "bits past the count";
    }
    if (::testing::Test::HasFailure()) return overridden_somewhere;
    overridden_somewhere += overridden;
  }
  return overridden_somewhere;
}

// Random magnitudes from 0 to about 2 (the factor is 0.3125, so |p_i| *
// scale reaches about 200, past every level), some exactly 0, some
// negative, with eight-flip contexts.
TEST(RateDistortionRuleTest, ChooseMatchesTheStatedRule) {
  const RateDistortionRule rule(1.25, SpreadRateModel());
  constexpr uint64_t kMax = 200;
  std::vector<float> p(kMax);
  std::vector<uint8_t> contexts(kMax);
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  for (uint64_t i = 0; i < kMax; ++i) {
    const float magnitude = static_cast<float>(next() % 2000) / 1000.0f;
    p[i] = next() % 2 == 0 ? magnitude : -magnitude;
    contexts[i] = static_cast<uint8_t>(next() % 256);
  }
  for (const bool portable : {false, true}) {
    SCOPED_TRACE(portable ? "portable" : "as dispatched");
    std::optional<ScopedPortablePathsForTesting> scoped;
    if (portable) scoped.emplace();
    EXPECT_GT(ExpectTheStatedRule(rule, p, contexts, rule.BlockFactor(1.0f)),
              1000u)
        << "the data must exercise the rule";
  }
}

// The comparison at its edges: with a factor of 31/32 the scale is 32, so
// |p_i| = k / 32 makes |p_i| * scale exactly the integer k. In every
// context, k its own level, then one either side, each exactly and a
// float either side of it; beside them, magnitudes far past the levels.
TEST(RateDistortionRuleTest, ChooseComparesExactlyAtTheLevels) {
  const RateDistortionRule rule(1.25, SpreadRateModel());
  std::vector<float> p;
  std::vector<uint8_t> contexts;
  for (int context = 0; context < 256; ++context) {
    const int level = rule.level(static_cast<uint32_t>(context)) & 0x7F;
    for (int k = std::max(0, level - 1); k <= level + 1; ++k) {
      const float at = static_cast<float>(k) / 32;
      for (const float magnitude :
           {at, std::nextafter(at, 0.0f), std::nextafter(at, 1e9f)}) {
        p.push_back(p.size() % 2 == 0 ? magnitude : -magnitude);
        contexts.push_back(static_cast<uint8_t>(context));
      }
    }
  }
  for (const float far : {1e9f, 3e38f, -1e30f}) {
    p.push_back(far);
    contexts.push_back(static_cast<uint8_t>(p.size() % 256));
  }
  ASSERT_EQ(static_cast<float>(kRuleLevelsPerBit) / (31.0f / 32), 32.0f);
  // The vector path where the CPU has one, then the portable one.
  for (const bool portable : {false, true}) {
    SCOPED_TRACE(portable ? "portable" : "as dispatched");
    std::optional<ScopedPortablePathsForTesting> scoped;
    if (portable) scoped.emplace();
    EXPECT_GT(ExpectTheStatedRule(rule, p, contexts, 31.0f / 32), 1000u);
    // A factor so small that the scale is infinite: every product of a
    // nonzero |p| is infinite and of 0 is NaN, and neither is below a
    // level.
    EXPECT_EQ(ExpectTheStatedRule(rule, p, contexts, 1e-45f), 0u);
  }
}

}  // namespace
}  // namespace gradcodec::internal
