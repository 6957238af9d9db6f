// The tool's exit statuses (documented in `gradcodec --help` and README).
#ifndef GRADCODEC_CLI_EXIT_CODES_H_
#define GRADCODEC_CLI_EXIT_CODES_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gradcodec::cli {

inline constexpr int kExitOk = 0;
// An input is malformed, inconsistent, holds NaN or Inf, or a .gcs file
// fails verification.
inline constexpr int kExitBadInput = 1;
// The command line is wrong (unknown option, missing argument, bad value).
inline constexpr int kExitUsage = 2;
// A file cannot be found, read or written.
inline constexpr int kExitIoError = 3;

// kExitIoError for NOT_FOUND, PERMISSION_DENIED and UNAVAILABLE (what the
// file functions of cli/io return); kExitBadInput for every other error,
// including the format's LIMIT_EXCEEDED (RESOURCE_EXHAUSTED).
inline int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnavailable:
      return kExitIoError;
    default:
      return kExitBadInput;
  }
}

// Prints "gradcodec <command>: <message>" to `err` and returns the exit
// status for `status`.
inline int ReportFailure(absl::string_view command, const absl::Status& status,
                         std::ostream& err) {
  err << "gradcodec " << command << ": " << status.message() << "\n";
  return ExitCodeFor(status);
}

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_EXIT_CODES_H_
