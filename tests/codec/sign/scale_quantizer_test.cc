#include "codec/sign/scale_quantizer.h"

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gradcodec/error_code.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

TEST(ScaleQuantizerTest, CodesAreWithinHalfAStepOfTheScale) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> exponent(-120, 120);
  const double half_step = std::exp2(0.5 / kScaleStepsPerOctave);
  for (int i = 0; i < 100000; ++i) {
    const auto alpha = static_cast<float>(std::exp2(exponent(rng)));
    const uint32_t code = QuantizeScale(alpha);
    ASSERT_GE(code, 1u);
    ASSERT_LE(code, kMaxScaleCode);
    const double ratio = DequantizeScale(code) / static_cast<double>(alpha);
    // Half a step, plus float rounding of the table and thresholds.
    ASSERT_LT(ratio, half_step * (1 + 1e-6)) << alpha;
    ASSERT_GT(ratio, 1 / half_step / (1 + 1e-6)) << alpha;
  }
}

// Every float of one octave: codes rise one step at a time through all 64
// steps, each within half a step of the value (up to float rounding), so
// that no slice of the mantissa's lookup lands on a wrong step.
TEST(ScaleQuantizerTest, EveryFloatOfAnOctaveTakesItsNearestStep) {
  const double half_step = std::exp2(0.5 / kScaleStepsPerOctave);
  const uint32_t first = QuantizeScale(1.0f);
  uint32_t previous = first;
  for (uint32_t bits = 0x3F800000; bits < 0x40000000; ++bits) {
    const float alpha = std::bit_cast<float>(bits);
    const uint32_t code = QuantizeScale(alpha);
    ASSERT_LE(code - previous, 1u) << alpha;
    const double ratio = DequantizeScale(code) / static_cast<double>(alpha);
    ASSERT_LT(ratio, half_step * (1 + 1e-6)) << alpha;
    ASSERT_GT(ratio, 1 / half_step / (1 + 1e-6)) << alpha;
    previous = code;
  }
  EXPECT_EQ(previous, first + kScaleStepsPerOctave);  // the top rounds to 2
  EXPECT_EQ(QuantizeScale(2.0f), first + kScaleStepsPerOctave);
}

TEST(ScaleQuantizerTest, ZeroTinyAndHugeScales) {
  EXPECT_EQ(QuantizeScale(0.0f), 0u);
  EXPECT_EQ(DequantizeScale(0), 0.0f);
  EXPECT_EQ(QuantizeScale(std::numeric_limits<float>::denorm_min()), 0u);
  EXPECT_EQ(QuantizeScale(std::numeric_limits<float>::max()), kMaxScaleCode);
  EXPECT_TRUE(std::isfinite(DequantizeScale(kMaxScaleCode)));
  // Code 1 is 2^-126 exactly, code 126 * 64 + 1 is 1, each octave doubles.
  EXPECT_EQ(DequantizeScale(1), std::ldexp(1.0f, -126));
  EXPECT_EQ(DequantizeScale(126 * kScaleStepsPerOctave + 1), 1.0f);
  EXPECT_EQ(DequantizeScale(127 * kScaleStepsPerOctave + 1), 2.0f);
  EXPECT_EQ(QuantizeScale(1.0f), 126 * kScaleStepsPerOctave + 1);
}

TEST(ScaleQuantizerTest, QuantizingIsMonotonic) {
  uint32_t previous = 0;
  for (float alpha = 1e-30f; alpha < 1e30f; alpha *= 1.001f) {
    const uint32_t code = QuantizeScale(alpha);
    ASSERT_GE(code, previous) << alpha;
    previous = code;
  }
}

TEST(ScaleQuantizerTest, CodesRoundTripThroughTheSection) {
  std::mt19937_64 rng(2);
  for (size_t count : {0, 1, 2, 100, 5000}) {
    std::vector<uint32_t> codes(count);
    for (auto& c : codes) c = 8000 + static_cast<uint32_t>(rng() % 40);
    if (count > 2) codes[1] = 0;  // a zero block
    if (count > 3) codes[2] = kMaxScaleCode;
    std::vector<uint8_t> payload;
    EncodeScaleCodes(codes, &payload);
    std::vector<uint32_t> decoded(count);
    ASSERT_TRUE(DecodeScaleCodes(payload, absl::MakeSpan(decoded)).ok());
    EXPECT_EQ(decoded, codes);
    // The decoder must be asked for exactly the number of blocks: deltas
    // left over are corrupt, and more varint bytes than three per block
    // exceed the limit before they are decoded.
    if (count >= 100) {
      std::vector<uint32_t> fewer(count - 1);
      EXPECT_EQ(GetErrorCode(DecodeScaleCodes(payload, absl::MakeSpan(fewer))),
                ErrorCode::kCorruptPayload);
    } else if (count == 1) {
      EXPECT_EQ(GetErrorCode(DecodeScaleCodes(payload, {})),
                ErrorCode::kLimitExceeded);
    }
  }
}

TEST(ScaleQuantizerTest, BadPayloadsAreRefused) {
  std::vector<uint32_t> codes = {5, 6, 7};
  std::vector<uint8_t> payload;
  EncodeScaleCodes(codes, &payload);
  std::vector<uint32_t> out(3);
  std::vector<uint8_t> bad = payload;
  bad[0] = 2;
  EXPECT_EQ(GetErrorCode(DecodeScaleCodes(bad, absl::MakeSpan(out))),
            ErrorCode::kInvalidField);
  EXPECT_EQ(GetErrorCode(DecodeScaleCodes({}, absl::MakeSpan(out))),
            ErrorCode::kTruncated);
  // A code past the largest: deltas 16256 then +1 (zigzag 2).
  std::vector<uint32_t> over = {kMaxScaleCode};
  payload.clear();
  EncodeScaleCodes(over, &payload);
  std::vector<uint32_t> one(1);
  ASSERT_TRUE(DecodeScaleCodes(payload, absl::MakeSpan(one)).ok());
  // Hand-made: stored byte stream with varints [zigzag(16257)].
  const std::vector<uint8_t> past = {1, 0, 3, 0x82, 0xFE, 0x01};
  EXPECT_EQ(GetErrorCode(DecodeScaleCodes(past, absl::MakeSpan(one))),
            ErrorCode::kInvalidField);
}

}  // namespace
}  // namespace gradcodec::internal
