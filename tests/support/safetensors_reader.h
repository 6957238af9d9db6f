// The shared gradient dumps (../shared/data/grads) for tests and benches,
// read with the command-line tool's dump readers (cli/dump/).
#ifndef GRADCODEC_TESTS_SUPPORT_SAFETENSORS_READER_H_
#define GRADCODEC_TESTS_SUPPORT_SAFETENSORS_READER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/dump/dump_tensor.h"

namespace gradcodec::testing {

using DumpTensor = cli::DumpTensor;

// The F32 tensors of one safetensors file, in data-offset order; an error
// for any other dtype.
absl::StatusOr<std::vector<DumpTensor>> ReadSafetensorsF32(
    const std::string& path);

// The folder of shared gradient dumps, or "" when ../shared is absent (as on
// a user's machine): callers skip then.
std::string SharedGradsDir();

// All steps of a dump folder (its dump files in natural order), each
// flattened tensor after tensor into one vector.
absl::StatusOr<std::vector<std::vector<float>>> ReadDumpSteps(
    const std::string& folder);

}  // namespace gradcodec::testing

#endif  // GRADCODEC_TESTS_SUPPORT_SAFETENSORS_READER_H_
