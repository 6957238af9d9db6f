// What the dump readers hand to the commands: one step's float tensors,
// widened to float32, with the dtype they had on disk so that decompress can
// write them back alike.
#ifndef GRADCODEC_CLI_DUMP_DUMP_TENSOR_H_
#define GRADCODEC_CLI_DUMP_DUMP_TENSOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "gradcodec/layout.h"

namespace gradcodec::cli {

struct DumpTensor {
  std::string name;
  std::vector<uint64_t> shape;  // row-major (C order) after reading
  DType dtype = DType::kFloat32;
  std::vector<float> values;  // element_count() floats, C order

  uint64_t element_count() const;
};

// One dump file: its float tensors in the file's order, and a note per
// tensor that was skipped (integer or boolean tensors are not gradients).
struct DumpStep {
  std::string path;
  std::vector<DumpTensor> tensors;
  std::vector<std::string> notes;
};

// Bytes an element of `dtype` takes on disk.
uint64_t DTypeSize(DType dtype);
// "F32", "F16", "BF16" (the safetensors spelling).
const char* DTypeName(DType dtype);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_DUMP_DUMP_TENSOR_H_
