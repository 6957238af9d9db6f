// The context coders on real sign-flip streams: the 100 gradient steps of
// the digits MLP in ../shared/data (skipped when it is absent, as on a
// user's machine).
#include <vector>

#include "codec/entropy/context_bit_coder.h"
#include "entropy_measures.h"
#include "flip_streams.h"
#include "gtest/gtest.h"
#include "safetensors_reader.h"

namespace gradcodec::internal {
namespace {

class RealFlipsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::SharedGradsDir().empty()) {
      GTEST_SKIP() << "../shared/data/grads is absent";
    }
    auto steps =
        testing::ReadDumpSteps(testing::SharedGradsDir() + "/digits_mlp_f32");
    ASSERT_TRUE(steps.ok()) << steps.status();
    ASSERT_EQ(steps->size(), 100u);
    ASSERT_EQ((*steps)[0].size(), 26122u);
    flips_ = testing::MakeFlipStream(*steps, 256, 0.9f, 4);
    flips_.flips.resize(BitWords(flips_.count));
  }

  std::vector<uint8_t> Encode(BitCoder coder) const {
    std::vector<uint8_t> payload;
    ContextBitOptions options;
    options.coder = coder;
    EncodeContextBits(flips_.flips, flips_.count, flips_.contexts,
                      flips_.context_count, options, &payload);
    return payload;
  }

  testing::FlipStream flips_;
};

TEST_F(RealFlipsTest, ContextsCutTheCostAndCodersRoundTrip) {
  const testing::BitEntropy entropy = testing::MeasureBitEntropy(
      flips_.flips, flips_.count, flips_.contexts, flips_.context_count);
  // The codec issue's measurement: the last 4 flips as context cost 20-33%
  // less than order-0 coding.
  EXPECT_LT(entropy.conditional_bits, 0.8 * entropy.order0_bits);
  for (BitCoder coder : {BitCoder::kFast, BitCoder::kAdaptive}) {
    const std::vector<uint8_t> payload = Encode(coder);
    const double bits = 8.0 * payload.size();
    EXPECT_LT(bits, 1.01 * entropy.conditional_bits);
    EXPECT_LT(bits, 0.8 * entropy.order0_bits);
    std::vector<uint64_t> decoded(BitWords(flips_.count));
    ASSERT_TRUE(DecodeContextBits(payload, flips_.contexts,
                                  flips_.context_count, flips_.count,
                                  absl::MakeSpan(decoded))
                    .ok());
    EXPECT_EQ(decoded, flips_.flips);
  }
}

}  // namespace
}  // namespace gradcodec::internal
