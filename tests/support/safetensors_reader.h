// Reads F32 safetensors gradient dumps for tests and benches.
//
// A minimal reader for the project's own fixtures (../shared/data/grads):
// the command-line tool has the full reader for users' files.
#ifndef GRADCODEC_TESTS_SUPPORT_SAFETENSORS_READER_H_
#define GRADCODEC_TESTS_SUPPORT_SAFETENSORS_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gradcodec::testing {

struct DumpTensor {
  std::string name;
  std::vector<uint64_t> shape;
  std::vector<float> values;
};

// The tensors of one F32 safetensors file, in file (data offset) order.
absl::StatusOr<std::vector<DumpTensor>> ReadSafetensorsF32(
    const std::string& path);

// The folder of shared gradient dumps, or "" when ../shared is absent (as on
// a user's machine): callers skip then.
std::string SharedGradsDir();

// All steps of a dump folder (step_*.safetensors in name order), each
// flattened tensor after tensor into one vector.
absl::StatusOr<std::vector<std::vector<float>>> ReadDumpSteps(
    const std::string& folder);

}  // namespace gradcodec::testing

#endif  // GRADCODEC_TESTS_SUPPORT_SAFETENSORS_READER_H_
