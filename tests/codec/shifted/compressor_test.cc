#include "codec/shifted/compressor.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "codec/shifted/compressor_parts.h"
#include "codec/shifted/narrow_float.h"
#include "codec/shifted/packet_random.h"
#include "gradcodec/names.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

CompressorConfig Config(Method method, uint64_t k = 0,
                        ValueFormat values = ValueFormat::kFp32) {
  CompressorConfig config;
  config.method = method;
  config.k = k;
  config.values = values;
  config.levels = 4;
  return config;
}

std::vector<float> Gaussian(uint64_t n, uint64_t seed) {
  SplitMix64 random(seed);
  std::vector<float> x(n);
  for (float& v : x) {
    // Box-Muller; the spread of magnitudes exercises every exponent path.
    const double u1 = random.NextDouble() + 1e-300, u2 = random.NextDouble();
    v = static_cast<float>(std::sqrt(-2 * std::log(u1)) *
                           std::cos(6.283185307179586 * u2));
  }
  return x;
}

struct Compressed {
  std::vector<uint8_t> payload;
  std::vector<float> q;
};

Compressed CompressOnce(const CompressorConfig& config, const std::vector<float>& x,
               const std::vector<uint64_t>& blocks, uint64_t seed,
               uint64_t sequence = 0) {
  Compressed c;
  c.q.assign(x.size(), -1.0f);
  SplitMix64 shared = SharedPacketRandom(seed, sequence);
  SplitMix64 own = EncoderPacketRandom(seed, sequence);
  EXPECT_TRUE(
      Compress(config, x, blocks, shared, own, &c.payload, absl::MakeSpan(c.q))
          .ok());
  return c;
}

absl::Status Decode(const CompressorConfig& config,
                    absl::Span<const uint8_t> payload,
                    const std::vector<uint64_t>& blocks, uint64_t seed,
                    uint64_t sequence, std::vector<float>* q) {
  SplitMix64 shared = SharedPacketRandom(seed, sequence);
  return Decompress(config, payload, blocks, shared, absl::MakeSpan(*q));
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), 4 * a.size()) == 0);
}

std::vector<uint64_t> Blocks(uint64_t n, uint64_t size) {
  std::vector<uint64_t> starts;
  if (n == 0) return starts;
  for (uint64_t s = 0; s < n; s += size) starts.push_back(s);
  starts.push_back(n);
  return starts;
}

const CompressorConfig kAll[] = {
    Config(Method::kTopK, 7),
    Config(Method::kTopK, 7, ValueFormat::kFp16),
    Config(Method::kTopK, 7, ValueFormat::kBf16),
    Config(Method::kRandK, 7),
    Config(Method::kRandK, 7, ValueFormat::kBf16),
    Config(Method::kDither),
    Config(Method::kNatural),
    Config(Method::kFp16),
    Config(Method::kBf16),
    Config(Method::kFp32),
};

TEST(SharedPacketRandomTest, MatchesTheSpecifiedDerivation) {
  // Spec section 11.10: SplitMix64 from seed XOR M(sequence), M(q) the
  // first output of SplitMix64 from q. Pinned values, so a change of the
  // derivation (which would break every rand_k stream) cannot pass.
  SplitMix64 m(2);
  const uint64_t mixed = m.Next();
  SplitMix64 expected(1 ^ mixed);
  SplitMix64 random = SharedPacketRandom(1, 2);
  EXPECT_EQ(random.Next(), expected.Next());
  EXPECT_EQ(SharedPacketRandom(0, 0).Next(), 0xA706DD2F4D197E6Full);
  SplitMix64 u = SharedPacketRandom(5, 9);
  EXPECT_LT(UniformBelow(u, 10), 10u);
}

TEST(CompressorTest, RoundTripIsBitExactForEveryMethodAndSize) {
  for (const CompressorConfig& base : kAll) {
    for (uint64_t n : {0u, 1u, 2u, 63u, 1000u, 4097u}) {
      CompressorConfig config = base;
      config.k = std::min<uint64_t>(config.k, n);
      const std::vector<float> x = Gaussian(n, n + 3);
      const std::vector<uint64_t> blocks = Blocks(n, 256);
      const Compressed c = CompressOnce(config, x, blocks, 42, 5);
      std::vector<float> decoded(n, 7.0f);
      ASSERT_TRUE(Decode(config, c.payload, blocks, 42, 5, &decoded).ok())
          << MethodName(config.method) << " n=" << n;
      EXPECT_TRUE(SameBits(decoded, c.q)) << MethodName(config.method) << " n=" << n;
    }
  }
}

TEST(CompressorTest, AllZeroInputGivesZero) {
  for (const CompressorConfig& config : kAll) {
    const std::vector<float> x(100, 0.0f);
    const Compressed c = CompressOnce(config, x, Blocks(100, 32), 1);
    for (float v : c.q) EXPECT_EQ(v, 0.0f) << MethodName(config.method);
  }
}

TEST(CompressorTest, Fp32IsLosslessStoredOrZstd) {
  std::vector<float> x = Gaussian(500, 9);
  x[3] = -0.0f;
  x[4] = 1e-42f;  // subnormal
  for (bool zstd : {false, true}) {
    CompressorConfig config = Config(Method::kFp32);
    config.zstd = zstd;
    const Compressed c = CompressOnce(config, x, {}, 1);
    EXPECT_TRUE(SameBits(c.q, x));
  }
  // Zeros compress under zstd and not when stored.
  CompressorConfig zstd = Config(Method::kFp32);
  zstd.zstd = true;
  EXPECT_LT(CompressOnce(zstd, std::vector<float>(1000, 0.0f), {}, 1).payload.size(),
            400u);
}

TEST(CompressorTest, NarrowCastsSaturateInsteadOfOverflowing) {
  EXPECT_EQ(FloatToHalfSaturating(1e6f), 0x7BFF);
  EXPECT_EQ(FloatToHalfSaturating(-1e6f), 0xFBFF);
  EXPECT_EQ(FloatToHalfSaturating(1.0f), 0x3C00);
  EXPECT_EQ(FloatToBFloat16Saturating(3.4028235e38f), 0x7F7F);
  EXPECT_EQ(FloatToBFloat16Saturating(1.0f), 0x3F80);
  const Compressed c = CompressOnce(Config(Method::kFp16), {1e6f, -2.5f}, {}, 1);
  EXPECT_EQ(c.q[0], 65504.0f);
  EXPECT_EQ(c.q[1], -2.5f);
}

TEST(TopKTest, KeepsTheLargestMagnitudesAndIsContractive) {
  const std::vector<float> x = {0.5f, -3.0f, 2.0f, 0.0f, -2.0f, 1.0f};
  const Compressed c = CompressOnce(Config(Method::kTopK, 3), x, {}, 1);
  // Ties (|2| and |-2|) go to the lower index.
  EXPECT_EQ(c.q, (std::vector<float>{0, -3.0f, 2.0f, 0, -2.0f, 0}));
  const std::vector<float> g = Gaussian(1000, 4);
  for (uint64_t k : {0u, 1u, 10u, 500u, 1000u}) {
    const Compressed t = CompressOnce(Config(Method::kTopK, k), g, {}, 1);
    double err = 0, norm = 0;
    uint64_t kept = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      err += (t.q[i] - g[i]) * (t.q[i] - g[i]);
      norm += g[i] * g[i];
      kept += t.q[i] != 0;
    }
    EXPECT_EQ(kept, k);
    EXPECT_LE(err, (1 - k / 1000.0) * norm * (1 + 1e-9)) << k;
  }
}

TEST(RandKTest, IndicesAreDistinctSortedReproducibleAndUniform) {
  const uint64_t n = 50, k = 10, trials = 20000;
  std::vector<uint64_t> hits(n, 0);
  for (uint64_t t = 0; t < trials; ++t) {
    SplitMix64 a = SharedPacketRandom(7, t), b = SharedPacketRandom(7, t);
    const std::vector<uint64_t> indices = RandKIndices(n, k, a);
    ASSERT_EQ(indices, RandKIndices(n, k, b));
    ASSERT_EQ(indices.size(), k);
    for (size_t j = 1; j < indices.size(); ++j) {
      ASSERT_LT(indices[j - 1], indices[j]);
    }
    for (uint64_t i : indices) ++hits[i];
  }
  // Each index is drawn with probability k/n: 4000 expected, sd ~ 57.
  for (uint64_t i = 0; i < n; ++i) {
    EXPECT_NEAR(static_cast<double>(hits[i]), 4000.0, 300.0) << i;
  }
  SplitMix64 r = SharedPacketRandom(1, 1);
  EXPECT_EQ(RandKIndices(5, 5, r), (std::vector<uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(RandKIndices(5, 0, r).empty());
}

// Mean and mean squared error of Q(x) over `trials` packets.
struct Moments {
  std::vector<double> mean;
  double relative_mse = 0;  // E||Q(x) - x||^2 / ||x||^2
  double max_z = 0;         // the largest |mean_i - x_i| / its standard error
};

Moments Measure(const CompressorConfig& config, const std::vector<float>& x,
                const std::vector<uint64_t>& blocks, uint64_t trials) {
  const size_t n = x.size();
  std::vector<double> sum(n, 0), sum_q2(n, 0);
  double total_err = 0, norm = 0;
  for (float v : x) norm += static_cast<double>(v) * v;
  for (uint64_t t = 0; t < trials; ++t) {
    const Compressed c = CompressOnce(config, x, blocks, 1000 + t, t);
    for (size_t i = 0; i < n; ++i) {
      const double d = c.q[i] - static_cast<double>(x[i]);
      sum[i] += c.q[i];
      sum_q2[i] += static_cast<double>(c.q[i]) * c.q[i];
      total_err += d * d;
    }
  }
  Moments m;
  m.mean.resize(n);
  m.relative_mse = total_err / trials / norm;
  for (size_t i = 0; i < n; ++i) {
    m.mean[i] = sum[i] / trials;
    // The spread of Q(x)_i around its own mean: a deterministic (biased)
    // compressor has none, so any offset from x_i is many errors away.
    const double var = std::max(0.0, sum_q2[i] / trials - m.mean[i] * m.mean[i]);
    const double se = std::sqrt(var / trials) + 1e-12;
    m.max_z = std::max(m.max_z, std::fabs(m.mean[i] - x[i]) / se);
  }
  return m;
}

TEST(CompressorStatisticsTest, UnbiasedCompressorsAverageToTheInput) {
  const std::vector<float> x = Gaussian(64, 11);
  const std::vector<uint64_t> blocks = Blocks(64, 16);
  for (CompressorConfig config :
       {Config(Method::kRandK, 8), Config(Method::kDither),
        Config(Method::kNatural)}) {
    ASSERT_TRUE(IsUnbiased(config));
    const Moments m = Measure(config, x, blocks, 20000);
    // 64 coordinates: a z-score of 5 is a false alarm about once in 10^5
    // runs; a real bias of 1% of a coordinate shows as z far above it.
    EXPECT_LT(m.max_z, 5.0) << MethodName(config.method);
  }
}

TEST(CompressorStatisticsTest, TheUnbiasednessCheckCatchesABiasedCompressor) {
  // top_k is biased: the same measurement must flag it, or the check
  // above proves nothing.
  const std::vector<float> x = Gaussian(64, 11);
  CompressorConfig top = Config(Method::kTopK, 8);
  ASSERT_FALSE(IsUnbiased(top));
  // Deterministic: the error is the dropped coordinates, with zero
  // variance, so a tiny trial count suffices.
  EXPECT_GT(Measure(top, x, {}, 3).max_z, 100.0);
}

TEST(CompressorStatisticsTest, VarianceStaysWithinOmega) {
  const std::vector<float> x = Gaussian(64, 12);
  const std::vector<uint64_t> blocks = Blocks(64, 16);
  struct Case {
    CompressorConfig config;
    double omega;
    double tight;  // the measured ratio must also reach this share of omega
  };
  const Case cases[] = {
      {Config(Method::kRandK, 8), 7.0, 0.9},  // exactly d/k - 1 in expectation
      {Config(Method::kDither), std::min(16.0 / 16, 4.0 / 4), 0.0},
      {Config(Method::kNatural), 1.0 / 8, 0.3},
  };
  for (const Case& c : cases) {
    EXPECT_DOUBLE_EQ(Omega(c.config, 64, 16), c.omega)
        << MethodName(c.config.method);
    const Moments m = Measure(c.config, x, blocks, 5000);
    EXPECT_LE(m.relative_mse, c.omega * 1.05) << MethodName(c.config.method);
    EXPECT_GE(m.relative_mse, c.omega * c.tight) << MethodName(c.config.method);
  }
  EXPECT_EQ(Omega(Config(Method::kFp32), 64, 16), 0);
  EXPECT_TRUE(std::isinf(Omega(Config(Method::kTopK, 8), 64, 16)));
  EXPECT_TRUE(std::isinf(Omega(Config(Method::kRandK, 0), 64, 16)));
}

TEST(CompressorTest, KEdgeCases) {
  const std::vector<float> x = Gaussian(40, 3);
  for (Method method : {Method::kTopK, Method::kRandK}) {
    const Compressed none = CompressOnce(Config(method, 0), x, {}, 1);
    for (float v : none.q) EXPECT_EQ(v, 0.0f);
    const Compressed all = CompressOnce(Config(method, 40), x, {}, 1);
    EXPECT_TRUE(SameBits(all.q, x)) << MethodName(method);  // scale d/k = 1
  }
  const Compressed one = CompressOnce(Config(Method::kRandK, 1), {2.5f}, {}, 1);
  EXPECT_EQ(one.q[0], 2.5f);
}

TEST(CompressorTest, NaturalRoundsToNeighbouringPowersOfTwo) {
  std::vector<float> x = {3.0f, -0.75f, 1.0f, 1e-40f, 0.0f, 3.0e38f};
  for (uint64_t t = 0; t < 50; ++t) {
    const Compressed c = CompressOnce(Config(Method::kNatural), x, {}, t);
    EXPECT_TRUE(c.q[0] == 2.0f || c.q[0] == 4.0f);
    EXPECT_TRUE(c.q[1] == -0.5f || c.q[1] == -1.0f);
    EXPECT_EQ(c.q[2], 1.0f);
    EXPECT_TRUE(c.q[3] == 0.0f || c.q[3] == 0x1.0p-126f);
    EXPECT_EQ(c.q[4], 0.0f);
    EXPECT_EQ(c.q[5], 0x1.0p127f);
  }
}

TEST(CompressorTest, RandKOverflowIsAnError) {
  const std::vector<float> x = {3e38f, 1.0f, 1.0f, 1.0f};
  std::vector<uint8_t> payload;
  std::vector<float> q(4);
  // k = 1 of 4 scales by 4: whichever index is drawn for some seed, one
  // that draws coordinate 0 overflows.
  bool overflowed = false;
  for (uint64_t seed = 0; seed < 40 && !overflowed; ++seed) {
    SplitMix64 shared = SharedPacketRandom(seed, 0), own(seed);
    payload.clear();
    overflowed = !Compress(Config(Method::kRandK, 1), x, {}, shared, own,
                           &payload, absl::MakeSpan(q))
                      .ok();
  }
  EXPECT_TRUE(overflowed);
}

TEST(CompressorDecodeTest, EveryTruncationAndBitFlipIsRefusedOrHarmless) {
  for (const CompressorConfig& config : kAll) {
    const std::vector<float> x = Gaussian(300, 5);
    const std::vector<uint64_t> blocks = Blocks(300, 64);
    const Compressed c = CompressOnce(config, x, blocks, 3, 1);
    std::vector<float> q(300);
    for (size_t cut = 0; cut < c.payload.size(); ++cut) {
      EXPECT_FALSE(Decode(config, absl::MakeConstSpan(c.payload).first(cut),
                          blocks, 3, 1, &q)
                       .ok())
          << MethodName(config.method) << " cut " << cut;
    }
    // Flipped bits: any status, but a decoded vector must be finite.
    for (size_t byte = 0; byte < c.payload.size(); byte += 3) {
      std::vector<uint8_t> bad = c.payload;
      bad[byte] ^= static_cast<uint8_t>(1u << (byte % 8));
      if (Decode(config, bad, blocks, 3, 1, &q).ok()) {
        for (float v : q) ASSERT_TRUE(std::isfinite(v));
      }
    }
  }
}

TEST(CompressorDecodeTest, OutOfRangeFieldsAreInvalid) {
  // A top_k gap that points past the end.
  CompressorConfig top = Config(Method::kTopK, 1);
  const Compressed c = CompressOnce(top, {1.0f, 2.0f}, {}, 1);
  std::vector<float> q(2);
  ASSERT_TRUE(Decode(top, c.payload, {}, 1, 0, &q).ok());
  std::vector<float> small(1);
  EXPECT_FALSE(Decode(top, c.payload, {}, 1, 0, &small).ok());
  // A dither level above s: a stream decoded with fewer levels.
  CompressorConfig dither = Config(Method::kDither);
  dither.levels = 200;
  const std::vector<float> x = Gaussian(100, 2);
  const Compressed d = CompressOnce(dither, x, {}, 1);
  std::vector<float> out(100);
  dither.levels = 1;
  EXPECT_FALSE(Decode(dither, d.payload, {}, 1, 0, &out).ok());
}

}  // namespace
}  // namespace gradcodec::internal
