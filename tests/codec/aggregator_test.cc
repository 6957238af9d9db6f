#include "gradcodec/aggregator.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "gradcodec/decoder.h"
#include "gradcodec/encoder.h"
#include "gradcodec/error_code.h"
#include "gtest/gtest.h"
#include "synthetic.h"

namespace gradcodec {
namespace {

Layout TwoTensors() {
  Layout layout;
  layout.tensors = {{"w", {50, 40}, DType::kFloat32, 128},
                    {"b", {40}, DType::kFloat32, 0}};
  return layout;
}

TEST(AggregatorTest, BroadcastsTheCompressedMeanOfTheWorkers) {
  constexpr uint32_t kWorkers = 4;
  AggregatorOptions options;
  options.worker_count = kWorkers;
  options.broadcast.layout = TwoTensors();
  options.broadcast.method = Method::kBlockSign;
  auto aggregator = std::move(*Aggregator::Create(options));
  const uint64_t n = options.broadcast.layout.coordinate_count();

  std::vector<std::unique_ptr<Encoder>> workers;
  std::vector<std::unique_ptr<Decoder>> receivers;  // each worker's copy
  for (uint32_t w = 0; w < kWorkers; ++w) {
    EncoderOptions worker_options;
    worker_options.layout = options.broadcast.layout;
    worker_options.momentum = 0.9f;
    workers.push_back(std::move(*Encoder::Create(worker_options)));
    receivers.push_back(std::move(*Decoder::Create()));
  }
  for (int round = 0; round < 6; ++round) {
    std::vector<float> expected_sum(n, 0.0f);
    for (uint32_t w = 0; w < kWorkers; ++w) {
      const std::vector<float> g =
          testing::SyntheticGradient(n, 1000 * round + w);
      std::vector<uint8_t> packet;
      std::vector<float> delta(n);
      ASSERT_TRUE(workers[w]->Encode(g, &packet, absl::MakeSpan(delta)).ok());
      // Adding worker w twice in a round is refused, before and after.
      ASSERT_TRUE(aggregator->AddWorkerPacket(w, packet).ok());
      EXPECT_EQ(GetErrorCode(aggregator->AddWorkerPacket(w, packet)),
                ErrorCode::kBadState);
      for (uint64_t i = 0; i < n; ++i) {
        expected_sum[i] += delta[i] / static_cast<float>(kWorkers);
      }
      if (w + 1 < kWorkers) {
        std::vector<uint8_t> early;
        EXPECT_EQ(GetErrorCode(aggregator->Finish(&early)),
                  ErrorCode::kBadState);
      }
    }
    std::vector<uint8_t> broadcast;
    std::vector<float> reconstruction(n);
    ASSERT_TRUE(
        aggregator->Finish(&broadcast, absl::MakeSpan(reconstruction)).ok());
    // Every worker decodes exactly the aggregator's reconstruction.
    for (uint32_t w = 0; w < kWorkers; ++w) {
      std::vector<float> decoded(n);
      ASSERT_TRUE(receivers[w]->Decode(broadcast, absl::MakeSpan(decoded)).ok());
      ASSERT_EQ(std::memcmp(decoded.data(), reconstruction.data(),
                            n * sizeof(float)),
                0);
    }
    // The broadcast is a block-sign compression of the mean: per block,
    // the reconstruction's scale is close to the mean's mean magnitude.
    double mean_abs = 0, recon_abs = 0;
    for (uint64_t i = 0; i < n; ++i) {
      mean_abs += std::fabs(expected_sum[i]);
      recon_abs += std::fabs(reconstruction[i]);
    }
    if (round == 0) {
      EXPECT_NEAR(recon_abs / mean_abs, 1.0, 0.01);
    }
  }
}

// The broadcast chooses its own blocks: workers with blocks of 128 feed a
// broadcast with blocks of 32, whose reconstruction has a scale per 32
// coordinates.
TEST(AggregatorTest, BroadcastBlocksNeedNotBeTheWorkers) {
  AggregatorOptions options;
  options.worker_count = 2;
  options.broadcast.layout = TwoTensors();
  options.broadcast.layout.tensors[0].block_size = 32;
  options.broadcast.method = Method::kBlockSign;
  auto aggregator = std::move(*Aggregator::Create(options));
  const uint64_t n = options.broadcast.layout.coordinate_count();
  for (uint32_t w = 0; w < 2; ++w) {
    EncoderOptions worker_options;
    worker_options.layout = TwoTensors();
    auto worker = std::move(*Encoder::Create(worker_options));
    std::vector<uint8_t> packet;
    ASSERT_TRUE(
        worker->Encode(testing::SyntheticGradient(n, w), &packet).ok());
    ASSERT_TRUE(aggregator->AddWorkerPacket(w, packet).ok());
  }
  std::vector<uint8_t> broadcast;
  std::vector<float> reconstruction(n);
  ASSERT_TRUE(
      aggregator->Finish(&broadcast, absl::MakeSpan(reconstruction)).ok());
  auto receiver = std::move(*Decoder::Create());
  std::vector<float> decoded(n);
  ASSERT_TRUE(receiver->Decode(broadcast, absl::MakeSpan(decoded)).ok());
  EXPECT_EQ(decoded, reconstruction);
  // Blocks of 32 in "w": the magnitude may change at coordinate 32 but is
  // constant within [0, 32).
  for (uint64_t i = 1; i < 32; ++i) {
    EXPECT_EQ(std::fabs(reconstruction[i]), std::fabs(reconstruction[0]));
  }
  bool changes_at_32 = false;
  for (uint64_t b = 32; b < 2000; b += 32) {
    changes_at_32 |= std::fabs(reconstruction[b]) != std::fabs(reconstruction[b - 1]);
  }
  EXPECT_TRUE(changes_at_32);
}

TEST(AggregatorTest, RefusesStrangersAndForeignLayouts) {
  AggregatorOptions options;
  options.worker_count = 2;
  options.broadcast.layout = TwoTensors();
  auto aggregator = std::move(*Aggregator::Create(options));
  EncoderOptions other;
  other.layout.tensors = {{"x", {2040}, DType::kFloat32, 128}};  // same count
  auto stranger = std::move(*Encoder::Create(other));
  std::vector<uint8_t> packet;
  ASSERT_TRUE(
      stranger->Encode(std::vector<float>(2040, 1.0f), &packet).ok());
  EXPECT_EQ(GetErrorCode(aggregator->AddWorkerPacket(0, packet)),
            ErrorCode::kInvalidArgument);
  // The same names with another shape, or another dtype, are strangers too.
  for (int change = 0; change < 2; ++change) {
    EncoderOptions reshaped;
    reshaped.layout = TwoTensors();
    if (change == 0) {
      reshaped.layout.tensors[0].shape = {40, 50};
    } else {
      reshaped.layout.tensors[1].dtype = DType::kFloat16;
    }
    auto encoder = std::move(*Encoder::Create(reshaped));
    std::vector<uint8_t> reshaped_packet;
    ASSERT_TRUE(
        encoder->Encode(std::vector<float>(2040, 1.0f), &reshaped_packet).ok());
    EXPECT_EQ(GetErrorCode(aggregator->AddWorkerPacket(0, reshaped_packet)),
              ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(GetErrorCode(aggregator->AddWorkerPacket(2, packet)),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(aggregator->contributed(), 0u);
  options.worker_count = 0;
  EXPECT_EQ(GetErrorCode(Aggregator::Create(options).status()),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace gradcodec
