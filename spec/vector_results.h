// How the manifest writes a result (spec/FORMAT.md section 12.1): shared by
// the vector builders and the vectors test.
#ifndef GRADCODEC_SPEC_VECTOR_RESULTS_H_
#define GRADCODEC_SPEC_VECTOR_RESULTS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/types/span.h"
#include "format/checksum.h"
#include "gradcodec/error_code.h"

namespace gradcodec::spec {

// "ok " and the XXH3-64 of `bytes` as 16 hex digits.
inline std::string OkWithDigest(absl::Span<const uint8_t> bytes) {
  return absl::StrFormat("ok %016x", internal::Xxh3(bytes));
}

// The status's error name, e.g. "TRUNCATED".
inline std::string ErrorName(const absl::Status& status) {
  return std::string(ErrorCodeName(GetErrorCode(status)));
}

}  // namespace gradcodec::spec

#endif  // GRADCODEC_SPEC_VECTOR_RESULTS_H_
