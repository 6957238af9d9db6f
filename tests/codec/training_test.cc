// Issue 4's real training check as a test (label slow; the full table is
// bench/training_check). Over seeds 1-3, as the issue states its targets:
// signxor at default settings sends at most 0.35 uplink bits per
// coordinate with test accuracy within 0.5 points of fp32; signxor without
// the rate-distortion encoder trains exactly like block_sign (same signs,
// same scales) in far fewer bits. Issue 4's other bit target, at most 0.50
// uplink bits without rate-distortion, is not met yet (0.52):
// bench/training_check reports it.
#include <optional>
#include <string>

#include "digits_mlp.h"
#include "gtest/gtest.h"
#include "safetensors_reader.h"

namespace gradcodec::testing {
namespace {

TEST(TrainingSlowTest, CompressedTrainingOnRealDigits) {
  if (SharedGradsDir().empty()) GTEST_SKIP() << "../shared/data is absent";
  auto digits = LoadDigits(SharedGradsDir() + "/../digits.csv");
  ASSERT_TRUE(digits.ok()) << digits.status();
  auto codec = [](Method method, double lambda) {
    EncoderOptions options;
    options.method = method;
    options.layout = MlpLayout(kCheckBlockSize);
    options.rd_lambda = lambda;
    return std::optional<EncoderOptions>(options);
  };
  constexpr int kSeeds = 3;
  TrainingResult fp32, block_sign, signxor_plain, signxor;  // means
  auto add = [](const TrainingResult& run, TrainingResult* mean) {
    mean->test_accuracy += run.test_accuracy / kSeeds;
    mean->final_loss += run.final_loss / kSeeds;
    mean->uplink_bits += run.uplink_bits / kSeeds;
  };
  for (int seed = 1; seed <= kSeeds; ++seed) {
    TrainingConfig config;  // M = 4, batch 32, lr 0.05, momentum 0.9, 300 steps
    config.seed = static_cast<uint64_t>(seed);
    config.broadcast = SignBroadcast();
    auto fp32_run = TrainDigits(*digits, config, std::nullopt);
    auto block_run = TrainDigits(*digits, config, codec(Method::kBlockSign, 0));
    auto plain_run = TrainDigits(*digits, config, codec(Method::kSignXor, 0));
    auto signxor_run = TrainDigits(*digits, config,
                                   codec(Method::kSignXor, EncoderOptions{}.rd_lambda));
    for (const auto* r : {&fp32_run, &block_run, &plain_run, &signxor_run}) {
      ASSERT_TRUE(r->ok()) << r->status();
    }
    // The same signs and scales: the very same training run.
    EXPECT_EQ(plain_run->test_accuracy, block_run->test_accuracy) << seed;
    EXPECT_EQ(plain_run->final_loss, block_run->final_loss) << seed;
    add(*fp32_run, &fp32);
    add(*block_run, &block_sign);
    add(*plain_run, &signxor_plain);
    add(*signxor_run, &signxor);
  }
  std::printf("means over %d seeds, accuracy / uplink bits: fp32 %.4f, "
              "block_sign %.4f / %.3f, signxor RD off %.4f / %.3f, "
              "signxor %.4f / %.3f\n",
              kSeeds, fp32.test_accuracy, block_sign.test_accuracy,
              block_sign.uplink_bits, signxor_plain.test_accuracy,
              signxor_plain.uplink_bits, signxor.test_accuracy,
              signxor.uplink_bits);
  EXPECT_GE(fp32.test_accuracy, 0.95);
  EXPECT_GE(block_sign.test_accuracy, fp32.test_accuracy - 0.015);
  EXPECT_LT(signxor_plain.uplink_bits, 0.55 * block_sign.uplink_bits);
  // Issue 4's target without rate-distortion.
  EXPECT_LE(signxor_plain.uplink_bits, 0.50);
  EXPECT_LT(signxor.uplink_bits, signxor_plain.uplink_bits);
  // Issue 4's target for the defaults.
  EXPECT_LE(signxor.uplink_bits, 0.35);
  EXPECT_GE(signxor.test_accuracy, fp32.test_accuracy - 0.005);
}

}  // namespace
}  // namespace gradcodec::testing
