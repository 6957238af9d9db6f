#include "codec/entropy/byte_stream_coder.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "entropy_measures.h"
#include "gradcodec/error_code.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Encode(const Bytes& symbols, ByteCoder coder) {
  Bytes out;
  ByteStreamOptions options;
  options.coder = coder;
  EncodeByteStream(symbols, options, &out);
  return out;
}

Bytes Geometric(size_t count, double mean, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::geometric_distribution<int> dist(1.0 / (1.0 + mean));
  Bytes bytes(count);
  for (auto& b : bytes) b = static_cast<uint8_t>(std::min(255, dist(rng)));
  return bytes;
}

// Every shape a byte stream can take.
std::vector<std::pair<std::string, Bytes>> Shapes() {
  std::vector<std::pair<std::string, Bytes>> shapes;
  shapes.emplace_back("empty", Bytes{});
  shapes.emplace_back("one byte", Bytes{42});
  shapes.emplace_back("single symbol", Bytes(10000, 7));
  shapes.emplace_back("two symbols", [] {
    Bytes b(5000);
    for (size_t i = 0; i < b.size(); ++i) b[i] = i % 97 == 0 ? 1 : 0;
    return b;
  }());
  shapes.emplace_back("every symbol once", [] {
    Bytes b(256);
    for (size_t i = 0; i < 256; ++i) b[i] = static_cast<uint8_t>(i);
    return b;
  }());
  shapes.emplace_back("uniform random", [] {
    std::mt19937_64 rng(3);
    Bytes b(20000);
    for (auto& v : b) v = static_cast<uint8_t>(rng());
    return b;
  }());
  shapes.emplace_back("geometric mean 2", Geometric(50000, 2, 4));
  shapes.emplace_back("geometric mean 40", Geometric(50000, 40, 5));
  shapes.emplace_back("symbol 255 only", Bytes(1000, 255));
  return shapes;
}

TEST(ByteStreamCoderTest, EveryShapeRoundTripsWithEveryCoder) {
  for (const auto& [name, symbols] : Shapes()) {
    for (ByteCoder coder :
         {ByteCoder::kStored, ByteCoder::kRans, ByteCoder::kZstd}) {
      const Bytes payload = Encode(symbols, coder);
      Bytes decoded = {1, 2, 3};  // must be replaced
      const absl::Status status =
          DecodeByteStream(payload, symbols.size(), &decoded);
      ASSERT_TRUE(status.ok()) << name << ": " << status;
      EXPECT_EQ(decoded, symbols) << name;
      EXPECT_EQ(Encode(symbols, coder), payload) << name << ": not repeatable";
    }
  }
}

TEST(ByteStreamCoderTest, RansApproachesTheEntropy) {
  for (double mean : {0.3, 2.0, 12.0}) {
    const Bytes symbols = Geometric(200000, mean, 6);
    const double coded = static_cast<double>(Encode(symbols, ByteCoder::kRans).size());
    EXPECT_LE(coded, 1.01 * testing::ByteEntropyBits(symbols) / 8 + 64) << "mean " << mean;
  }
  // A single symbol costs the header and the 16 bytes of states only.
  EXPECT_LE(Encode(Bytes(1000000, 9), ByteCoder::kRans).size(), 32u);
}

TEST(ByteStreamCoderTest, IncompressibleBytesAreStored) {
  std::mt19937_64 rng(8);
  Bytes symbols(4096);
  for (auto& v : symbols) v = static_cast<uint8_t>(rng());
  const Bytes payload = Encode(symbols, ByteCoder::kRans);
  EXPECT_EQ(payload[0], static_cast<uint8_t>(ByteCoder::kStored));
  EXPECT_EQ(payload.size(), 1 + 2 + symbols.size());
}

TEST(ByteStreamCoderTest, CountAboveTheCallersMaximumIsRefusedBeforeDecoding) {
  const Bytes payload = Encode(Bytes(1000, 1), ByteCoder::kRans);
  Bytes out;
  EXPECT_EQ(GetErrorCode(DecodeByteStream(payload, 999, &out)),
            ErrorCode::kLimitExceeded);
  EXPECT_TRUE(out.empty());
}

TEST(ByteStreamCoderTest, EveryTruncationIsRejected) {
  for (const auto& [name, symbols] : Shapes()) {
    for (ByteCoder coder :
         {ByteCoder::kStored, ByteCoder::kRans, ByteCoder::kZstd}) {
      const Bytes payload = Encode(symbols, coder);
      for (size_t cut = 0; cut < payload.size();
           cut += payload.size() > 400 ? 7 : 1) {
        Bytes out;
        const absl::Status status = DecodeByteStream(
            absl::MakeConstSpan(payload).first(cut), symbols.size(), &out);
        EXPECT_FALSE(status.ok()) << name << " cut at " << cut;
        EXPECT_NE(GetErrorCode(status), ErrorCode::kInternal);
      }
    }
  }
}

TEST(ByteStreamCoderTest, RandomDamageIsMostlyDetected) {
  const Bytes symbols = Geometric(5000, 3, 9);
  const Bytes payload = Encode(symbols, ByteCoder::kRans);
  std::mt19937_64 rng(10);
  int detected = 0;
  const int trials = 3000;
  for (int t = 0; t < trials; ++t) {
    Bytes damaged = payload;
    damaged[rng() % damaged.size()] ^= static_cast<uint8_t>(1 << (rng() % 8));
    Bytes out;
    const absl::Status status = DecodeByteStream(damaged, 5000, &out);
    if (!status.ok()) {
      ++detected;
      EXPECT_NE(GetErrorCode(status), ErrorCode::kInternal);
    }
  }
  // rANS has no checksum (packets do): a flipped bit in the words is caught
  // by the end-state check almost always, not always.
  EXPECT_GT(detected, trials * 9 / 10);
}

class ByteStreamCoderSlowTest : public ::testing::Test {};

TEST_F(ByteStreamCoderSlowTest, HundredMillionSymbols) {
  const Bytes symbols = Geometric(100000000, 5, 11);
  const Bytes payload = Encode(symbols, ByteCoder::kRans);
  Bytes decoded;
  ASSERT_TRUE(DecodeByteStream(payload, symbols.size(), &decoded).ok());
  EXPECT_EQ(decoded, symbols);
}

}  // namespace
}  // namespace gradcodec::internal
