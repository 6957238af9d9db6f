// Tensor element bytes to float32 and back, for the dtypes a dump holds.
#ifndef GRADCODEC_CLI_DUMP_TENSOR_BYTES_H_
#define GRADCODEC_CLI_DUMP_TENSOR_BYTES_H_

#include <cstdint>
#include <vector>

#include "gradcodec/layout.h"

namespace gradcodec::cli {

// Widens `count` elements of `dtype` stored at `bytes` (byte order
// `big_endian`) to floats.
void DecodeElements(const uint8_t* bytes, uint64_t count, DType dtype,
                    bool big_endian, float* out);

// Appends `values` narrowed to `dtype`, little-endian.
void AppendElements(const std::vector<float>& values, DType dtype,
                    std::vector<uint8_t>* out);

// `values` narrowed to `dtype` and widened again: what a file of that dtype
// would hold.
void RoundToDType(DType dtype, std::vector<float>* values);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_DUMP_TENSOR_BYTES_H_
