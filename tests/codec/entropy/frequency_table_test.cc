#include "codec/entropy/frequency_table.h"

#include <cmath>
#include <random>
#include <vector>

#include "absl/numeric/int128.h"
#include "codec/entropy/binary_models.h"
#include "format/byte_reader.h"
#include "gradcodec/error_code.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

uint32_t Sum(const FrequencyTable& table) {
  uint32_t sum = 0;
  for (uint32_t f : table) sum += f;
  return sum;
}

TEST(FrequencyTableTest, Log2Q16IsAccurate) {
  for (uint64_t x : {1ull, 2ull, 3ull, 1000ull, 4095ull, 4096ull,
                     123456789ull, 1ull << 40, ~0ull}) {
    const double expected = std::log2(static_cast<double>(x));
    EXPECT_NEAR(Log2Q16(x) / 65536.0, expected, 2.0 / 65536) << x;
  }
  EXPECT_EQ(SymbolCostQ16(4096), 0u);
  EXPECT_EQ(SymbolCostQ16(2048), 65536u);
}

TEST(FrequencyTableTest, NormalizationKeepsEverySymbolAndSumsToScale) {
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 500; ++trial) {
    std::vector<uint64_t> weights(256, 0);
    const int used = 1 + static_cast<int>(rng() % 256);
    for (int i = 0; i < used; ++i) {
      // Very skewed weights: one huge, many tiny.
      weights[rng() % 256] = (rng() % 4 == 0) ? rng() % (1ull << 40) : rng() % 3 + 1;
    }
    if (std::all_of(weights.begin(), weights.end(),
                    [](uint64_t w) { return w == 0; })) {
      weights[0] = 1;
    }
    const FrequencyTable table = NormalizeFrequencies(weights);
    EXPECT_EQ(Sum(table), kRansScale);
    for (size_t s = 0; s < 256; ++s) {
      EXPECT_EQ(table[s] == 0, weights[s] == 0) << s;
    }
  }
}

// Every symbol but the most likely, which takes the rounding's surplus,
// gets floor(w * scale / total) (at least 1): the quotients by one
// reciprocal must equal true division, for totals that are exact
// multiples (all-one weights) and for weights up to the widest the 64-bit
// form takes (and past them, the 128-bit form).
TEST(FrequencyTableTest, NormalizationQuotientsAreExact) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    const int used = 1 + static_cast<int>(rng() % 16);
    const int width = 1 + static_cast<int>(rng() % 56);  // weights < 2^width
    std::vector<uint64_t> weights(used);
    for (uint64_t& w : weights) w = 1 + rng() % ((uint64_t{1} << width) - 1);
    if (trial < 16) weights.assign(trial + 2, 1);  // totals 2 .. 17
    absl::uint128 total = 0;
    size_t largest = 0;
    for (size_t s = 0; s < weights.size(); ++s) {
      total += weights[s];
      if (weights[s] > weights[largest]) largest = s;
    }
    const FrequencyTable table = NormalizeFrequencies(weights);
    ASSERT_EQ(Sum(table), kRansScale);
    uint64_t raised = 0;  // symbols lifted to 1, which may force a give-back
    for (size_t s = 0; s < weights.size(); ++s) {
      raised += absl::uint128(weights[s]) * kRansScale / total == 0;
    }
    if (raised > 0) continue;
    for (size_t s = 0; s < weights.size(); ++s) {
      if (s == largest) continue;
      EXPECT_EQ(table[s], absl::Uint128Low64(absl::uint128(weights[s]) *
                                             kRansScale / total))
          << "trial " << trial << " symbol " << s;
    }
  }
}

TEST(FrequencyTableTest, SerialisationRoundTrips) {
  std::mt19937_64 rng(2);
  for (int used : {1, 2, 32, 33, 200, 256}) {
    std::vector<uint64_t> weights(256, 0);
    for (int i = 0; i < used; ++i) weights[i * 255 / std::max(1, used - 1)] = rng() % 1000 + 1;
    const FrequencyTable table = NormalizeFrequencies(weights);
    std::vector<uint8_t> bytes;
    SerializeFrequencyTable(table, &bytes);
    ByteReader reader(bytes);
    absl::StatusOr<FrequencyTable> parsed = ParseFrequencyTable(reader);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, table);
    EXPECT_TRUE(reader.empty());
  }
}

TEST(FrequencyTableTest, ParseRejectsBadTables) {
  auto parse = [](std::vector<uint8_t> bytes) {
    ByteReader reader(bytes);
    return GetErrorCode(ParseFrequencyTable(reader).status());
  };
  EXPECT_EQ(parse({0x00}), ErrorCode::kCorruptPayload);            // 0 symbols
  EXPECT_EQ(parse({0x81, 0x02}), ErrorCode::kCorruptPayload);      // 257
  EXPECT_EQ(parse({0x01, 0x05, 0x80, 0x20}), ErrorCode::kOk);      // 4096
  EXPECT_EQ(parse({0x01, 0x05, 0xFF, 0x1F}), ErrorCode::kCorruptPayload);
  EXPECT_EQ(parse({0x02, 0x05, 0x05, 0x01, 0xFF, 0x1F}),
            ErrorCode::kCorruptPayload);  // symbols not increasing
  EXPECT_EQ(parse({0x01, 0x05, 0x00}), ErrorCode::kCorruptPayload);  // freq 0
  EXPECT_EQ(parse({0x01, 0x05}), ErrorCode::kTruncated);
}

TEST(BinaryModelsTest, DerivedTablesAreValidForEveryParameter) {
  for (uint32_t p16 = 1; p16 <= kMaxModelP16; p16 = p16 * 3 / 2 + 1) {
    EXPECT_EQ(Sum(ByteGroupTable(p16)), kRansScale);
    for (uint32_t cap : {1u, 2u, 7u, 64u, 255u}) {
      const FrequencyTable table = RunLengthTable(p16, cap);
      EXPECT_EQ(Sum(table), kRansScale);
      for (uint32_t s = 0; s <= cap; ++s) EXPECT_GE(table[s], 1u);
      for (uint32_t s = cap + 1; s < 256; ++s) EXPECT_EQ(table[s], 0u);
    }
  }
}

TEST(BinaryModelsTest, ChosenModelsFitTheProbability) {
  const uint64_t n = 1 << 20;
  EXPECT_EQ(ChooseContextModel(n, 0).mode, ContextMode::kAllZero);
  EXPECT_EQ(ChooseContextModel(n, n).mode, ContextMode::kAllOne);
  EXPECT_EQ(ChooseContextModel(n, n / 2).mode, ContextMode::kStored);
  const ContextModel sparse = ChooseContextModel(n, n / 1000);
  EXPECT_EQ(sparse.mode, ContextMode::kRuns);
  EXPECT_GE(sparse.max_run, 64u);  // few escape symbols for sparse bits
  const ContextModel dense = ChooseContextModel(n, n - n / 1000);
  EXPECT_EQ(dense.mode, ContextMode::kRunsInverted);
  EXPECT_EQ(dense.p16, sparse.p16);
}

}  // namespace
}  // namespace gradcodec::internal
