#include "codec/encode_pass.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "codec/entropy/context_bit_coder.h"
#include "codec/entropy/cpu_features.h"
#include "codec/sign/scale_quantizer.h"
#include "codec/signxor/rate_distortion.h"
#include "gtest/gtest.h"
#include "signxor/spread_rate_model.h"

namespace gradcodec::internal {
namespace {

// Test inputs from a 64-bit linear congruential generator (its high bits).
struct Lcg {
  uint64_t state;
  uint64_t operator()() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  }
};

// The order of spec section 11.8 step 5: eight float lanes (lane k the
// coordinates k mod 8 of the block), moved into a double in lane order
// every 2^16 coordinates and after the last multiple of 8, the rest added
// to the double one by one; `take` picks the coordinates summed.
template <typename Take>
double FixedOrderAbsSum(const std::vector<float>& p, Take take) {
  const uint64_t n = p.size();
  double sum = 0;
  float lanes[8] = {};
  auto flush = [&] {
    for (float& lane : lanes) {
      sum += lane;
      lane = 0;
    }
  };
  for (uint64_t i = 0; i < n / 8 * 8; ++i) {
    if (take(i)) lanes[i % 8] += std::fabs(p[i]);
    if ((i + 1) % (uint64_t{1} << 16) == 0) flush();
  }
  flush();
  for (uint64_t i = n / 8 * 8; i < n; ++i) {
    if (take(i)) sum += std::fabs(p[i]);
  }
  return sum;
}

// One signxor block of several runs, past a 2^16 flush and ending in a
// partial group of 8: the signs the pass sends follow the rule as section
// 11.8 states it in every run, and the block's scale code is that of
// (||p_b||_1 - 2 K_b) / |b| with both sums over the whole block. (The
// code is a 1% grid: it catches a run or a tail left out of a sum, not a
// change of summation order alone, which moves alpha by a rounding.)
TEST(EncodePassTest, LongBlockFollowsTheRuleAndSumsEveryRun) {
  constexpr uint64_t n = (uint64_t{1} << 16) + 3 * kRunCoordinates + 13;
  std::vector<float> g(n), e(n);
  std::vector<uint8_t> contexts(n);
  std::vector<uint64_t> reference(BitWords(n), 0);
  Lcg next{7};
  for (uint64_t i = 0; i < n; ++i) {
    g[i] = (static_cast<float>(next() % 2001) - 1000.0f) / 1000.0f;
    e[i] = (static_cast<float>(next() % 201) - 100.0f) / 1000.0f;
    contexts[i] = static_cast<uint8_t>(next() % 64);
    if (next() % 2 == 0) reference[i / 64] |= uint64_t{1} << (i % 64);
  }
  const RateDistortionRule rule(1.5, SpreadRateModel());
  const std::vector<uint64_t> block_starts = {0, n};

  EncodePassInput in;
  in.update = g;
  in.error = e.data();
  in.block_starts = block_starts;
  in.reference = reference.data();
  in.contexts = contexts.data();
  in.rule = &rule;
  std::vector<uint64_t> signs(BitWords(n)), sent_flips(BitWords(n));
  std::vector<uint32_t> codes(1);
  std::vector<float> scales(1), error(n);
  EncodePassOutput out;
  out.signs = signs.data();
  out.flips = sent_flips.data();
  out.codes = codes.data();
  out.scales = scales.data();
  out.error = error.data();
  ASSERT_TRUE(RunEncodePass(in, out));

  std::vector<float> p(n);
  for (uint64_t i = 0; i < n; ++i) p[i] = g[i] + e[i];
  const double abs_sum = FixedOrderAbsSum(p, [](uint64_t) { return true; });
  const float factor = rule.BlockFactor(
      static_cast<float>(abs_sum / static_cast<double>(n)));
  const float scale = static_cast<float>(kRuleLevelsPerBit) / factor;
  std::vector<bool> against(n);
  uint64_t overridden = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t level = rule.level(contexts[i]);
    const bool raw = p[i] < 0;
    const bool flip = raw != (((reference[i / 64] >> (i % 64)) & 1) != 0);
    against[i] = flip != ((level & 0x80) != 0) &&
                 std::fabs(p[i]) * scale < static_cast<float>(level & 0x7F);
    overridden += against[i] ? 1 : 0;
    ASSERT_EQ(((signs[i / 64] >> (i % 64)) & 1) != 0, raw != against[i])
        << "coordinate " << i;
  }
  ASSERT_GT(overridden, n / 100) << "the rule must override some signs";
  EXPECT_EQ(out.kept, overridden);
  const double against_sum =
      FixedOrderAbsSum(p, [&against](uint64_t i) { return against[i]; });
  const auto alpha = static_cast<float>(
      std::max(0.0, (abs_sum - 2 * against_sum) / static_cast<double>(n)));
  EXPECT_EQ(codes[0], QuantizeScale(alpha));
  EXPECT_EQ(scales[0], DequantizeScale(QuantizeScale(alpha)));
}

// A run formed by FormRunForTesting: p, its sign words and the lanes.
struct FormedRun {
  bool finite = false;
  std::vector<uint32_t> p_bits;
  std::vector<uint64_t> signs;
  std::vector<uint32_t> lane_bits;
};

FormedRun FormOnCurrentPath(const EncodePassInput& in, uint64_t begin,
                            uint64_t count) {
  std::vector<float> p(count);
  std::vector<uint64_t> signs(BitWords(count), ~uint64_t{0});
  // Lanes that already hold sums: a run adds to those of the runs before.
  float lanes[8] = {0.5f, 1.25f, 0, 3, 1e-3f, 7, 0.1f, 2};
  FormedRun run;
  run.finite =
      FormRunForTesting(in, begin, count, p.data(), signs.data(), lanes);
  for (float v : p) run.p_bits.push_back(std::bit_cast<uint32_t>(v));
  run.signs = signs;
  for (float lane : lanes)
    run.lane_bits.push_back(std::bit_cast<uint32_t>(lane));
  return run;
}

// The vector path (where the CPU has it) and the portable one form the
// same p, signs and lanes bit for bit, and agree on which runs are not
// finite, for every form of p, run lengths 0 to 300 and starts that leave
// the inputs at every alignment.
TEST(EncodePassTest, VectorAndPortableFormRunsAlike) {
  constexpr uint64_t kOffsets = 8;
  constexpr uint64_t kMaxCount = 300;
  constexpr uint64_t n = kOffsets + kMaxCount;
  std::vector<float> g(n), m(n), e(n);
  Lcg next{11};
  for (uint64_t i = 0; i < n; ++i) {
    g[i] = (static_cast<float>(next() % 2001) - 1000.0f) / 977.0f;
    m[i] = (static_cast<float>(next() % 2001) - 1000.0f) / 1013.0f;
    e[i] = (static_cast<float>(next() % 201) - 100.0f) / 1009.0f;
  }
  g[5] = -0.0f;  // not negative: sign(-0) = +1
  g[6] = 0.0f;
  for (bool momentum : {false, true}) {
    for (bool error : {false, true}) {
      EncodePassInput in;
      in.update = g;
      in.momentum = momentum ? m.data() : nullptr;
      in.mu = momentum ? 0.9f : 0.0f;
      in.error = error ? e.data() : nullptr;
      for (uint64_t begin = 0; begin < kOffsets; ++begin) {
        for (uint64_t count = 0; count <= kMaxCount; ++count) {
          const FormedRun vector = FormOnCurrentPath(in, begin, count);
          FormedRun portable;
          {
            ScopedPortablePathsForTesting portable_paths;
            portable = FormOnCurrentPath(in, begin, count);
          }
          ASSERT_TRUE(vector.finite);
          ASSERT_TRUE(portable.finite);
          ASSERT_EQ(vector.p_bits, portable.p_bits)
              << momentum << error << " " << begin << " " << count;
          ASSERT_EQ(vector.signs, portable.signs)
              << momentum << error << " " << begin << " " << count;
          ASSERT_EQ(vector.lane_bits, portable.lane_bits)
              << momentum << error << " " << begin << " " << count;
        }
      }
    }
  }
}

// A NaN, an infinity, or a p that overflows to one makes both paths report
// the run not finite, wherever it falls: in the 64-coordinate loop, the
// 8-coordinate one, or the tail.
TEST(EncodePassTest, VectorAndPortableFormRunsFindNonFiniteP) {
  constexpr uint64_t n = 203;
  const float kMax = std::numeric_limits<float>::max();
  for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity(), kMax}) {
    for (uint64_t at = 0; at < n; ++at) {
      std::vector<float> g(n, 0.25f), e(n, -0.5f);
      g[at] = bad;
      e[at] = bad == kMax ? kMax : -0.5f;  // max + max overflows to inf
      EncodePassInput in;
      in.update = g;
      in.error = e.data();
      for (uint64_t begin : {uint64_t{0}, uint64_t{3}}) {
        if (at < begin) continue;
        const uint64_t count = n - begin;
        const FormedRun vector = FormOnCurrentPath(in, begin, count);
        FormedRun portable;
        {
          ScopedPortablePathsForTesting portable_paths;
          portable = FormOnCurrentPath(in, begin, count);
        }
        EXPECT_FALSE(vector.finite) << bad << " at " << at << " from " << begin;
        EXPECT_FALSE(portable.finite)
            << bad << " at " << at << " from " << begin;
        EXPECT_EQ(vector.p_bits, portable.p_bits) << at;
        EXPECT_EQ(vector.signs, portable.signs) << at;
      }
    }
  }
}

}  // namespace
}  // namespace gradcodec::internal
