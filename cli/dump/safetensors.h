// safetensors files (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON mapping each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data
// that follows the header), an optional "__metadata__" object, then the data.
#ifndef GRADCODEC_CLI_DUMP_SAFETENSORS_H_
#define GRADCODEC_CLI_DUMP_SAFETENSORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cli/dump/dump_tensor.h"

namespace gradcodec::cli {

// Parses a whole safetensors file. F32, F16 and BF16 tensors are read (in
// data-offset order); integer and boolean tensors are skipped with a note;
// any other dtype is an error. Every error is INVALID_ARGUMENT with a
// message that starts with `path` and names the tensor or header field and
// the value at fault.
absl::StatusOr<DumpStep> ParseSafetensors(const std::string& path,
                                          absl::Span<const uint8_t> file);
// The same into `step`, reusing the buffers of the tensors it holds (steps
// of one dump have the same tensors, so reading the next one allocates
// nothing). With `flat`, the values go there instead, tensor after tensor,
// and the tensors' own `values` stay empty. On error `step` and `flat` are
// left in an unspecified state.
absl::Status ParseSafetensors(const std::string& path,
                              absl::Span<const uint8_t> file, DumpStep* step,
                              std::vector<float>* flat = nullptr);

// Reads the safetensors file at `path` as ParseSafetensors parses it
// (the same errors, plus file_io's), with `bytes` as the buffer, kept from
// call to call. When the float tensors are all F32 and lie end to end, as
// in most dumps, their bytes are read straight into `flat`: one copy from
// the page cache instead of two.
absl::Status ReadSafetensors(const std::string& path,
                             std::vector<uint8_t>* bytes, DumpStep* step,
                             std::vector<float>* flat);

// Serialises tensors (each converted to its own dtype) as safetensors.
std::vector<uint8_t> SerializeSafetensors(
    const std::vector<DumpTensor>& tensors);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_DUMP_SAFETENSORS_H_
