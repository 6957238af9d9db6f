#include "gradcodec/error_code.h"

#include <array>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace gradcodec {
namespace {

// The payload key under which MakeError stores the exact code, as a decimal
// string so that it survives any absl::Status copy or transport.
constexpr absl::string_view kPayloadUrl = "gradcodec/error_code";

struct ErrorCodeInfo {
  absl::string_view name;
  absl::StatusCode canonical;
};

constexpr std::array<ErrorCodeInfo, kErrorCodeCount> kInfo = {{
    {"OK", absl::StatusCode::kOk},
    {"TRUNCATED", absl::StatusCode::kDataLoss},
    {"BAD_MAGIC", absl::StatusCode::kInvalidArgument},
    {"UNSUPPORTED_VERSION", absl::StatusCode::kUnimplemented},
    {"CHECKSUM_MISMATCH", absl::StatusCode::kDataLoss},
    {"MALFORMED_VARINT", absl::StatusCode::kDataLoss},
    {"INVALID_FIELD", absl::StatusCode::kDataLoss},
    {"LIMIT_EXCEEDED", absl::StatusCode::kResourceExhausted},
    {"UNKNOWN_CRITICAL_SECTION", absl::StatusCode::kUnimplemented},
    {"LENGTH_OUT_OF_BOUNDS", absl::StatusCode::kDataLoss},
    {"SECTION_ORDER", absl::StatusCode::kDataLoss},
    {"SECTION_PRESENCE", absl::StatusCode::kDataLoss},
    {"TRAILING_BYTES", absl::StatusCode::kDataLoss},
    {"SEQUENCE_MISMATCH", absl::StatusCode::kFailedPrecondition},
    {"REFERENCE_MISMATCH", absl::StatusCode::kFailedPrecondition},
    {"INVALID_ARGUMENT", absl::StatusCode::kInvalidArgument},
    {"CORRUPT_PAYLOAD", absl::StatusCode::kDataLoss},
    {"NON_FINITE_INPUT", absl::StatusCode::kInvalidArgument},
    {"IO_ERROR", absl::StatusCode::kUnavailable},
    {"BAD_STATE", absl::StatusCode::kFailedPrecondition},
    {"NOT_FOUND", absl::StatusCode::kNotFound},
    {"INTERNAL", absl::StatusCode::kInternal},
    {"UNSUPPORTED_METHOD", absl::StatusCode::kUnimplemented},
}};

}  // namespace

absl::string_view ErrorCodeName(ErrorCode code) {
  const auto index = static_cast<uint32_t>(code);
  if (index >= kErrorCodeCount) return "UNKNOWN_ERROR_CODE";
  return kInfo[index].name;
}

bool ErrorCodeFromName(absl::string_view name, ErrorCode* code) {
  for (uint32_t i = 0; i < kErrorCodeCount; ++i) {
    if (kInfo[i].name == name) {
      *code = static_cast<ErrorCode>(i);
      return true;
    }
  }
  return false;
}

absl::StatusCode CanonicalCode(ErrorCode code) {
  const auto index = static_cast<uint32_t>(code);
  if (index >= kErrorCodeCount) return absl::StatusCode::kInternal;
  return kInfo[index].canonical;
}

absl::Status MakeError(ErrorCode code, absl::string_view message) {
  if (code == ErrorCode::kOk) return absl::OkStatus();
  absl::Status status(CanonicalCode(code),
                      absl::StrCat(ErrorCodeName(code), ": ", message));
  status.SetPayload(kPayloadUrl,
                    absl::Cord(absl::StrCat(static_cast<uint32_t>(code))));
  return status;
}

ErrorCode GetErrorCode(const absl::Status& status) {
  if (status.ok()) return ErrorCode::kOk;
  const absl::optional<absl::Cord> payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) return ErrorCode::kInternal;
  uint32_t value = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &value)) {
    return ErrorCode::kInternal;
  }
  return value < kErrorCodeCount ? static_cast<ErrorCode>(value)
                                 : ErrorCode::kInternal;
}

}  // namespace gradcodec
