// Issue 4's real training check as a test (label slow; the full table with
// three seeds is bench/training_check). What it holds the codec to today:
// compressed training stays near fp32 accuracy, signxor without the
// rate-distortion encoder trains exactly like block_sign (same signs, same
// scales) in far fewer bits, and the rate-distortion encoder saves bits on
// top. Issue 4's bit targets (<= 0.50 uplink without RD, <= 0.35 with it
// at fp32 accuracy) are not met yet; bench/training_check reports them.
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
  TrainingConfig config;  // M = 4, batch 32, lr 0.05, momentum 0.9, 300 steps
  auto codec = [](Method method, double lambda) {
    EncoderOptions options;
    options.method = method;
    options.layout = MlpLayout(256);
    options.rd_lambda = lambda;
    return std::optional<EncoderOptions>(options);
  };
  auto fp32 = TrainDigits(*digits, config, std::nullopt);
  auto block_sign = TrainDigits(*digits, config, codec(Method::kBlockSign, 0));
  auto signxor_plain = TrainDigits(*digits, config, codec(Method::kSignXor, 0));
  auto signxor = TrainDigits(*digits, config,
                             codec(Method::kSignXor, EncoderOptions{}.rd_lambda));
  for (const auto* r : {&fp32, &block_sign, &signxor_plain, &signxor}) {
    ASSERT_TRUE(r->ok()) << r->status();
  }
  std::printf("accuracy / uplink bits: fp32 %.4f, block_sign %.4f / %.3f, "
              "signxor RD off %.4f / %.3f, signxor %.4f / %.3f\n",
              fp32->test_accuracy, block_sign->test_accuracy,
              block_sign->uplink_bits, signxor_plain->test_accuracy,
              signxor_plain->uplink_bits, signxor->test_accuracy,
              signxor->uplink_bits);
  EXPECT_GE(fp32->test_accuracy, 0.95);
  EXPECT_GE(block_sign->test_accuracy, fp32->test_accuracy - 0.015);
  // The same signs and scales: the very same training run.
  EXPECT_EQ(signxor_plain->test_accuracy, block_sign->test_accuracy);
  EXPECT_EQ(signxor_plain->final_loss, block_sign->final_loss);
  EXPECT_LT(signxor_plain->uplink_bits, 0.7 * block_sign->uplink_bits);
  EXPECT_LT(signxor->uplink_bits, signxor_plain->uplink_bits);
  EXPECT_GE(signxor->test_accuracy, fp32->test_accuracy - 0.02);
}

}  // namespace
}  // namespace gradcodec::testing
