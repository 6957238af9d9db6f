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
  EXPECT_EQ(GetErrorCode(aggregator->AddWorkerPacket(2, packet)),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(aggregator->contributed(), 0u);
  options.worker_count = 0;
  EXPECT_EQ(GetErrorCode(Aggregator::Create(options).status()),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace gradcodec
