#include "gradcodec/layout.h"

#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "format/utf8.h"
#include "gradcodec/error_code.h"
#include "gradcodec/limits.h"

namespace gradcodec {

uint64_t TensorSpec::element_count() const {
  uint64_t count = 1;
  for (uint64_t dim : shape) count *= dim;
  return count;
}

uint64_t Layout::coordinate_count() const {
  uint64_t total = 0;
  for (const TensorSpec& tensor : tensors) total += tensor.element_count();
  return total;
}

absl::Status ValidateLayout(const Layout& layout) {
  if (layout.tensors.empty()) {
    return MakeError(ErrorCode::kInvalidField,
                     "field `tensor_count` is 0; a layout needs a tensor");
  }
  if (layout.tensors.size() > kMaxTensorCount) {
    return MakeError(ErrorCode::kLimitExceeded,
                     absl::StrCat("field `tensor_count` is ",
                                  layout.tensors.size(), "; the limit is ",
                                  kMaxTensorCount));
  }
  absl::flat_hash_set<std::string_view> names;
  names.reserve(layout.tensors.size());
  uint64_t total = 0;
  for (size_t t = 0; t < layout.tensors.size(); ++t) {
    const TensorSpec& tensor = layout.tensors[t];
    const std::string where = absl::StrCat("tensor ", t);
    if (tensor.name.empty()) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat(where, ": field `name_length` is 0; names "
                                           "must not be empty"));
    }
    if (tensor.name.size() > kMaxTensorNameLength) {
      return MakeError(
          ErrorCode::kLimitExceeded,
          absl::StrCat(where, ": field `name_length` is ", tensor.name.size(),
                       "; the limit is ", kMaxTensorNameLength));
    }
    if (!internal::IsValidUtf8WithoutNul(tensor.name)) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat(where, ": field `name` is not UTF-8 "
                                           "without NUL"));
    }
    if (!names.insert(tensor.name).second) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat(where, ": field `name` \"", tensor.name,
                                    "\" repeats an earlier tensor's name"));
    }
    const auto dtype = static_cast<uint8_t>(tensor.dtype);
    if (dtype < 1 || dtype > 3) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("tensor \"", tensor.name,
                                    "\": field `dtype` is ", dtype,
                                    "; it must be 1 (f32), 2 (f16) or 3 "
                                    "(bf16)"));
    }
    if (tensor.shape.size() > kMaxTensorRank) {
      return MakeError(ErrorCode::kLimitExceeded,
                       absl::StrCat("tensor \"", tensor.name,
                                    "\": field `rank` is ", tensor.shape.size(),
                                    "; the limit is ", kMaxTensorRank));
    }
    if (tensor.block_size > kMaxBlockSize) {
      return MakeError(ErrorCode::kLimitExceeded,
                       absl::StrCat("tensor \"", tensor.name,
                                    "\": field `block_size` is ",
                                    tensor.block_size, "; the limit is ",
                                    kMaxBlockSize));
    }
    // A zero dimension makes the tensor empty whatever the others are;
    // otherwise multiply with an overflow guard: every partial product stays
    // at or below kMaxCoordinateCount, so it fits comfortably in 64 bits.
    bool has_zero_dim = false;
    for (uint64_t dim : tensor.shape) {
      if (dim > kMaxCoordinateCount) {
        return MakeError(ErrorCode::kLimitExceeded,
                         absl::StrCat("tensor \"", tensor.name,
                                      "\": field `dims` holds ", dim,
                                      "; the limit is ", kMaxCoordinateCount));
      }
      has_zero_dim |= dim == 0;
    }
    uint64_t elements = has_zero_dim ? 0 : 1;
    for (uint64_t dim : tensor.shape) {
      if (has_zero_dim) break;
      if (elements > kMaxCoordinateCount / dim) {
        return MakeError(ErrorCode::kLimitExceeded,
                         absl::StrCat("tensor \"", tensor.name,
                                      "\": field `dims` multiply past the "
                                      "coordinate limit ",
                                      kMaxCoordinateCount));
      }
      elements *= dim;
    }
    total += elements;
    if (total > kMaxCoordinateCount) {
      return MakeError(ErrorCode::kLimitExceeded,
                       absl::StrCat("tensor \"", tensor.name,
                                    "\": the layout's coordinates exceed the "
                                    "limit ",
                                    kMaxCoordinateCount));
    }
  }
  return absl::OkStatus();
}

}  // namespace gradcodec
