#include "gradcodec/error_code.h"

#include <set>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace gradcodec {
namespace {

TEST(ErrorCodeTest, NamesAreUniqueAndRoundTrip) {
  std::set<std::string> names;
  for (uint32_t i = 0; i < kErrorCodeCount; ++i) {
    const auto code = static_cast<ErrorCode>(i);
    const std::string name(ErrorCodeName(code));
    EXPECT_TRUE(names.insert(name).second) << name;
    ErrorCode parsed;
    ASSERT_TRUE(ErrorCodeFromName(name, &parsed));
    EXPECT_EQ(parsed, code);
  }
  ErrorCode parsed;
  EXPECT_FALSE(ErrorCodeFromName("NO_SUCH_CODE", &parsed));
  EXPECT_EQ(ErrorCodeName(static_cast<ErrorCode>(999)), "UNKNOWN_ERROR_CODE");
}

TEST(ErrorCodeTest, NumbersArePinned) {
  // Append-only: these values are in the C API and the spec.
  EXPECT_EQ(static_cast<uint32_t>(ErrorCode::kTruncated), 1u);
  EXPECT_EQ(static_cast<uint32_t>(ErrorCode::kChecksumMismatch), 4u);
  EXPECT_EQ(static_cast<uint32_t>(ErrorCode::kUnknownCriticalSection), 8u);
  EXPECT_EQ(static_cast<uint32_t>(ErrorCode::kSequenceMismatch), 13u);
  EXPECT_EQ(static_cast<uint32_t>(ErrorCode::kReferenceMismatch), 14u);
  EXPECT_EQ(static_cast<uint32_t>(ErrorCode::kInternal), 21u);
  EXPECT_EQ(static_cast<uint32_t>(ErrorCode::kUnsupportedMethod), 22u);
}

TEST(ErrorCodeTest, ExactCodeSurvivesTheStatus) {
  for (uint32_t i = 1; i < kErrorCodeCount; ++i) {
    const auto code = static_cast<ErrorCode>(i);
    absl::Status status = MakeError(code, "field `x` is 3");
    EXPECT_EQ(status.code(), CanonicalCode(code));
    EXPECT_EQ(GetErrorCode(status), code);
    const absl::Status copy = status;  // payloads travel with copies
    EXPECT_EQ(GetErrorCode(copy), code);
    EXPECT_NE(status.message().find(std::string(ErrorCodeName(code))),
              absl::string_view::npos);
    EXPECT_NE(status.message().find("field `x` is 3"), absl::string_view::npos);
  }
}

TEST(ErrorCodeTest, ForeignAndOkStatuses) {
  EXPECT_EQ(GetErrorCode(absl::OkStatus()), ErrorCode::kOk);
  EXPECT_TRUE(MakeError(ErrorCode::kOk, "ignored").ok());
  EXPECT_EQ(GetErrorCode(absl::DataLossError("not ours")), ErrorCode::kInternal);
}

TEST(ErrorCodeTest, CanonicalMapping) {
  EXPECT_EQ(CanonicalCode(ErrorCode::kChecksumMismatch),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(CanonicalCode(ErrorCode::kUnsupportedVersion),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(CanonicalCode(ErrorCode::kLimitExceeded),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(CanonicalCode(ErrorCode::kSequenceMismatch),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CanonicalCode(ErrorCode::kInvalidArgument),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gradcodec
