// Opening a .gcs file for the commands that read one (decompress, inspect,
// verify), and naming the steps it holds.
#ifndef GRADCODEC_CLI_COMMANDS_STREAM_FILE_H_
#define GRADCODEC_CLI_COMMANDS_STREAM_FILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gradcodec/container.h"

namespace gradcodec::cli {

// A .gcs file read into memory with its parsed container. Errors name the
// path: I/O errors, and the container's header errors (whose messages
// start with the spec's error name, for example "CHECKSUM_MISMATCH").
struct StreamFile {
  std::string path;
  std::vector<uint8_t> bytes;
  std::optional<ContainerReader> container;  // views `bytes`
  std::vector<std::string> step_names;       // as compress recorded them

  static absl::StatusOr<std::unique_ptr<StreamFile>> Open(
      const std::string& path);

  // The name of step i: as compress recorded it, else "step_<i>" zero-
  // padded to six digits.
  std::string StepName(size_t i) const;
};

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_COMMANDS_STREAM_FILE_H_
