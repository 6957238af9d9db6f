// The inputs of `compress` and `analyze`: dump files and folders of them,
// read one step at a time.
//
// An input is a file (.safetensors, .npy or .npz) or a folder, whose dump
// files are the steps in natural name order (step_2 before step_10; other
// files such as losses.txt are ignored). Every step must hold the same
// float tensors (names, shapes, dtypes) in the same order as the first.
#ifndef GRADCODEC_CLI_DUMP_DUMP_READER_H_
#define GRADCODEC_CLI_DUMP_DUMP_READER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/dump/dump_tensor.h"

namespace gradcodec::cli {

// Whether `path` names a dump file by its extension.
bool IsDumpFileName(const std::string& path);

// Reads and parses one dump file, whatever its format.
absl::StatusOr<DumpStep> ReadDumpFile(const std::string& path);
// The same into `step`, with `bytes` as the file buffer; both keep their
// capacity from call to call.
// With `flat`, the values go there, tensor after tensor, and the tensors'
// own `values` stay empty (what an encoder wants: one copy, not two).
absl::Status ReadDumpFile(const std::string& path, std::vector<uint8_t>* bytes,
                          DumpStep* step, std::vector<float>* flat = nullptr);

// OK when `tensors` (read from `path`) have the names and shapes, in the
// same order, of `reference` (read from `reference_path`), and with
// `compare_dtypes` their dtypes too; otherwise INVALID_ARGUMENT naming
// `path`, the tensor and what differs.
absl::Status CheckSameTensors(const std::string& path,
                              const std::vector<DumpTensor>& tensors,
                              const std::string& reference_path,
                              const std::vector<DumpTensor>& reference,
                              bool compare_dtypes);

class DumpSource {
 public:
  // Lists the steps of `inputs`. Errors: an input that does not exist
  // (NOT_FOUND), a folder without dump files or a file that is not one
  // (INVALID_ARGUMENT), no inputs at all.
  static absl::StatusOr<DumpSource> Open(const std::vector<std::string>& inputs);

  const std::vector<std::string>& step_paths() const { return paths_; }

  // Reads step `index`. The first step read fixes the tensors; a later step
  // whose tensors differ is an error naming the step, the tensor and what
  // differs. A step without float tensors is an error.
  absl::StatusOr<DumpStep> ReadStep(size_t index);
  // The same into `step`, reusing its buffers (and the source's file
  // buffer): reading step after step into one DumpStep allocates nothing
  // once the first is read.
  // With `flat`, the values go there (see ReadDumpFile).
  absl::Status ReadStep(size_t index, DumpStep* step,
                        std::vector<float>* flat = nullptr);

 private:
  explicit DumpSource(std::vector<std::string> paths)
      : paths_(std::move(paths)) {}

  std::vector<std::string> paths_;
  std::vector<uint8_t> file_bytes_;
  bool have_first_ = false;
  std::string first_path_;
  std::vector<DumpTensor> signature_;  // names, shapes and dtypes, no values
};

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_DUMP_DUMP_READER_H_
