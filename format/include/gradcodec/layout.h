// The tensor layout of a gradient stream: which tensors, in which order, with
// which shapes, source dtypes and block sizes (spec/FORMAT.md, "Layout
// section"). Coordinates are numbered tensor after tensor, each tensor in
// row-major order; blocks never straddle tensors.
#ifndef GRADCODEC_LAYOUT_H_
#define GRADCODEC_LAYOUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace gradcodec {

// The dtype a tensor had in the caller's hands; decoders reproduce it on
// output. Values are spec field `dtype`.
enum class DType : uint8_t {
  kFloat32 = 1,
  kFloat16 = 2,
  kBFloat16 = 3,
};

struct TensorSpec {
  std::string name;             // UTF-8, 1..kMaxTensorNameLength bytes, no NUL
  std::vector<uint64_t> shape;  // 0..kMaxTensorRank dims; rank 0 is a scalar
  DType dtype = DType::kFloat32;
  // Coordinates per scale block, 1..kMaxBlockSize; 0 means one block for the
  // whole tensor.
  uint64_t block_size = 0;

  // Product of `shape` (1 for a scalar). Call only on a validated spec.
  uint64_t element_count() const;

  bool operator==(const TensorSpec&) const = default;
};

struct Layout {
  std::vector<TensorSpec> tensors;

  // Sum of element counts. Call only on a validated layout.
  uint64_t coordinate_count() const;

  bool operator==(const Layout&) const = default;
};

// Checks a layout against the spec's rules: at least one tensor, unique valid
// names, known dtypes, rank and block size within limits, no overflow, total
// coordinates at most kMaxCoordinateCount. Errors name the tensor and field.
absl::Status ValidateLayout(const Layout& layout);

}  // namespace gradcodec

#endif  // GRADCODEC_LAYOUT_H_
