#include "gradcodec/half_float.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace gradcodec {
namespace {

TEST(HalfFloatTest, EveryHalfWidensExactlyAndNarrowsBack) {
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    const auto half = static_cast<uint16_t>(h);
    const float f = HalfToFloat(half);
    const bool nan = (half & 0x7C00) == 0x7C00 && (half & 0x3FF) != 0;
    EXPECT_EQ(std::isnan(f), nan) << h;
    if (nan) {
      EXPECT_EQ(FloatToHalf(f) & 0x7C00, 0x7C00) << h;  // stays a NaN
      EXPECT_NE(FloatToHalf(f) & 0x3FF, 0) << h;
      continue;
    }
    EXPECT_EQ(FloatToHalf(f), half) << h;
  }
}

TEST(HalfFloatTest, KnownValues) {
  EXPECT_EQ(HalfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xC000), -2.0f);
  EXPECT_EQ(HalfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(HalfToFloat(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7C00);  // rounds up to infinity
  EXPECT_EQ(FloatToHalf(65519.0f), 0x7BFF);
  EXPECT_EQ(FloatToHalf(1e-9f), 0x0000);
  EXPECT_EQ(FloatToHalf(-1e-9f), 0x8000);
}

TEST(HalfFloatTest, NarrowingRoundsToNearestEven) {
  // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties to the even 1.
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  // 1 + 3 * 2^-11 lies halfway between 1 + 2^-10 and 1 + 2^-9: ties to even.
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  // Just above halfway rounds up.
  EXPECT_EQ(FloatToHalf(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)),
            0x3C01);
  // Subnormal halfway: 1.5 * 2^-24 ties to the even 2 * 2^-24.
  EXPECT_EQ(FloatToHalf(1.5f * std::ldexp(1.0f, -24)), 0x0002);
  EXPECT_EQ(FloatToHalf(0.5f * std::ldexp(1.0f, -24)), 0x0000);
}

TEST(HalfFloatTest, NarrowingMatchesTheNearestHalfOnASweep) {
  // Brute force: the chosen half is the nearest (ties to even) among all
  // finite halves of that sign, for floats across the half range.
  for (float f = 1e-8f; f < 70000.0f; f *= 1.0137f) {
    const uint16_t got = FloatToHalf(f);
    const double value = f;
    double best_distance = INFINITY;
    uint16_t best = 0;
    for (uint32_t h = 0; h < 0x7C00; ++h) {
      const double d = std::fabs(HalfToFloat(static_cast<uint16_t>(h)) - value);
      if (d < best_distance || (d == best_distance && (h & 1) == 0)) {
        best_distance = d;
        best = static_cast<uint16_t>(h);
      }
    }
    if (value >= 65520.0) best = 0x7C00;
    ASSERT_EQ(got, best) << f;
  }
}

TEST(BFloat16Test, WidensExactlyAndRoundsToNearestEven) {
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    const auto b = static_cast<uint16_t>(h);
    const float f = BFloat16ToFloat(b);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(BFloat16ToFloat(FloatToBFloat16(f))));
      continue;
    }
    EXPECT_EQ(FloatToBFloat16(f), b) << h;
  }
  EXPECT_EQ(FloatToBFloat16(std::bit_cast<float>(0x3F808000u)), 0x3F80);  // tie
  EXPECT_EQ(FloatToBFloat16(std::bit_cast<float>(0x3F818000u)), 0x3F82);  // tie
  EXPECT_EQ(FloatToBFloat16(std::bit_cast<float>(0x3F808001u)), 0x3F81);
  EXPECT_EQ(FloatToBFloat16(std::numeric_limits<float>::max()), 0x7F80);
}

}  // namespace
}  // namespace gradcodec
