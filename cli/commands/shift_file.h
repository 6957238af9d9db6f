// `--shift-file`: the shift h of `--shift fixed`, read from a dump file
// (safetensors, .npy or .npz) that holds the same tensors as the steps.
#ifndef GRADCODEC_CLI_COMMANDS_SHIFT_FILE_H_
#define GRADCODEC_CLI_COMMANDS_SHIFT_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/dump/dump_tensor.h"

namespace gradcodec::cli {

// Reads `path` and returns its values laid end to end, as the steps' are.
// Its tensors must have the names and shapes, in order, of `first_step`'s;
// their dtypes may differ, since every value is widened to float32 anyway.
// Errors name `path`: the reader's (NOT_FOUND for a missing file, ...),
// INVALID_ARGUMENT for another tensor set or shape (CheckSameTensors), and
// for a value that is not finite, naming the tensor, element and value.
absl::StatusOr<std::vector<float>> ReadShiftFile(const std::string& path,
                                                 const DumpStep& first_step);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_COMMANDS_SHIFT_FILE_H_
