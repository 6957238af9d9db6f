#include "format/layout_section.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "format/checksum.h"
#include "gradcodec/error_code.h"
#include "gradcodec/limits.h"

namespace gradcodec::internal {
namespace {

// The fewest bytes one tensor entry can take: name_length, a one-byte name,
// dtype, rank and block_size. Bounds `tensor_count` before reserving.
constexpr uint64_t kMinTensorEntrySize = 5;

}  // namespace

void SerializeLayout(const Layout& layout, std::vector<uint8_t>* out) {
  ByteWriter writer(out);
  writer.WriteVarint(layout.tensors.size());
  for (const TensorSpec& tensor : layout.tensors) {
    writer.WriteLengthPrefixed(tensor.name);
    writer.WriteU8(static_cast<uint8_t>(tensor.dtype));
    writer.WriteU8(static_cast<uint8_t>(tensor.shape.size()));
    for (uint64_t dim : tensor.shape) writer.WriteVarint(dim);
    writer.WriteVarint(tensor.block_size);
  }
}

absl::StatusOr<Layout> ParseLayout(absl::Span<const uint8_t> payload,
                                   size_t base_offset) {
  ByteReader reader(payload, base_offset);
  uint64_t tensor_count = 0;
  if (absl::Status s = reader.ReadCount("tensor_count", kMaxTensorCount,
                                        kMinTensorEntrySize, &tensor_count);
      !s.ok()) {
    return s;
  }
  Layout layout;
  layout.tensors.reserve(static_cast<size_t>(tensor_count));
  for (uint64_t t = 0; t < tensor_count; ++t) {
    TensorSpec& tensor = layout.tensors.emplace_back();
    absl::Span<const uint8_t> name;
    if (absl::Status s =
            reader.ReadLengthPrefixed("name_length", kMaxTensorNameLength, &name);
        !s.ok()) {
      return s;
    }
    tensor.name.assign(name.begin(), name.end());
    uint8_t dtype = 0;
    uint8_t rank = 0;
    if (absl::Status s = reader.ReadU8("dtype", &dtype); !s.ok()) return s;
    tensor.dtype = static_cast<DType>(dtype);
    const size_t rank_offset = reader.absolute_position();
    if (absl::Status s = reader.ReadU8("rank", &rank); !s.ok()) return s;
    if (rank > kMaxTensorRank) {
      return MakeError(ErrorCode::kLimitExceeded,
                       absl::StrCat("tensor ", t, ": field `rank` at offset ",
                                    rank_offset, " is ", rank,
                                    "; the limit is ", kMaxTensorRank));
    }
    tensor.shape.resize(rank);
    for (uint64_t& dim : tensor.shape) {
      if (absl::Status s =
              reader.ReadVarintAtMost("dims", kMaxCoordinateCount, &dim);
          !s.ok()) {
        return s;
      }
    }
    if (absl::Status s =
            reader.ReadVarintAtMost("block_size", kMaxBlockSize,
                                    &tensor.block_size);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = reader.ExpectEnd("the layout section"); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateLayout(layout); !s.ok()) return s;
  return layout;
}

uint64_t LayoutFingerprint(absl::Span<const uint8_t> payload) {
  return Xxh3(payload);
}

}  // namespace gradcodec::internal
