#include "format/layout_section.h"

#include <vector>

#include "gradcodec/error_code.h"
#include "gradcodec/layout.h"
#include "gradcodec/limits.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

using Bytes = std::vector<uint8_t>;

Layout MlpLayout() {
  // The digits MLP of ../shared/data: 64-128-128-10, 26,122 parameters.
  Layout layout;
  layout.tensors = {{"fc1.weight", {128, 64}, DType::kFloat32, 256},
                    {"fc1.bias", {128}, DType::kFloat32, 256},
                    {"fc2.weight", {128, 128}, DType::kBFloat16, 256},
                    {"fc2.bias", {128}, DType::kBFloat16, 0},
                    {"fc3.weight", {10, 128}, DType::kFloat16, 100},
                    {"fc3.bias", {10}, DType::kFloat16, 1}};
  return layout;
}

TEST(LayoutSectionTest, RoundTripsAndCountsCoordinates) {
  const Layout layout = MlpLayout();
  ASSERT_TRUE(ValidateLayout(layout).ok());
  EXPECT_EQ(layout.coordinate_count(), 26122u);
  Bytes payload;
  SerializeLayout(layout, &payload);
  absl::StatusOr<Layout> parsed = ParseLayout(payload, 0);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, layout);
}

TEST(LayoutSectionTest, FingerprintSeesEveryField) {
  Bytes base;
  SerializeLayout(MlpLayout(), &base);
  const uint64_t fingerprint = LayoutFingerprint(base);
  std::vector<Layout> changed(4, MlpLayout());
  changed[0].tensors[0].name = "fc1.weigh";
  changed[1].tensors[2].shape = {128, 127};
  changed[2].tensors[3].dtype = DType::kFloat32;
  changed[3].tensors[5].block_size = 2;
  for (const Layout& layout : changed) {
    Bytes payload;
    SerializeLayout(layout, &payload);
    EXPECT_NE(LayoutFingerprint(payload), fingerprint);
  }
}

TEST(LayoutSectionTest, ValidateNamesTheTensorAndField) {
  Layout layout = MlpLayout();
  layout.tensors[4].name = "fc1.bias";
  absl::Status status = ValidateLayout(layout);
  EXPECT_EQ(GetErrorCode(status), ErrorCode::kInvalidField);
  EXPECT_NE(status.message().find("fc1.bias"), absl::string_view::npos);

  layout = MlpLayout();
  layout.tensors[1].dtype = static_cast<DType>(9);
  status = ValidateLayout(layout);
  EXPECT_EQ(GetErrorCode(status), ErrorCode::kInvalidField);
  EXPECT_NE(status.message().find("`dtype` is 9"), absl::string_view::npos);

  layout = MlpLayout();
  layout.tensors[0].shape = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_EQ(GetErrorCode(ValidateLayout(layout)), ErrorCode::kLimitExceeded);

  layout = MlpLayout();
  layout.tensors[0].shape = {uint64_t{1} << 30, uint64_t{1} << 30};
  EXPECT_EQ(GetErrorCode(ValidateLayout(layout)), ErrorCode::kLimitExceeded);

  layout.tensors.clear();
  EXPECT_EQ(GetErrorCode(ValidateLayout(layout)), ErrorCode::kInvalidField);
}

TEST(LayoutSectionTest, ManyTensorsSumPastTheLimit) {
  Layout layout;
  for (int i = 0; i < 3; ++i) {
    layout.tensors.push_back({"t" + std::to_string(i),
                              {kMaxCoordinateCount / 2},
                              DType::kFloat32,
                              0});
  }
  EXPECT_EQ(GetErrorCode(ValidateLayout(layout)), ErrorCode::kLimitExceeded);
}

TEST(LayoutSectionTest, ZeroElementAndScalarTensors) {
  Layout layout;
  layout.tensors = {{"scalar", {}, DType::kFloat32, 0},
                    {"empty", {0, 12}, DType::kFloat32, 4}};
  ASSERT_TRUE(ValidateLayout(layout).ok());
  EXPECT_EQ(layout.coordinate_count(), 1u);
  Bytes payload;
  SerializeLayout(layout, &payload);
  absl::StatusOr<Layout> parsed = ParseLayout(payload, 0);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, layout);
}

}  // namespace
}  // namespace gradcodec::internal
