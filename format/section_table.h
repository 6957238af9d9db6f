// The section table shared by packets and .gcs file headers
// (spec/FORMAT.md, "Sections"): a run of
//   section_type (u8) | section_length (varint) | payload
// with types strictly increasing, type 0 reserved, and unknown types in the
// critical range rejected (see section_types.h).
#ifndef GRADCODEC_FORMAT_SECTION_TABLE_H_
#define GRADCODEC_FORMAT_SECTION_TABLE_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "format/byte_reader.h"

namespace gradcodec::internal {

struct SectionView {
  uint8_t type = 0;
  absl::Span<const uint8_t> payload;
  uint64_t offset = 0;  // of the payload within the enclosing structure
};

// Reads sections until `reader` is empty. `is_known` says which types this
// table defines; `visit` gets every section and whether it is known (unknown
// ones are skippable by then). Stops at the first error, from the table or
// from `visit`.
absl::Status ReadSectionTable(
    ByteReader& reader, uint64_t max_section_size,
    absl::FunctionRef<bool(uint8_t)> is_known,
    absl::FunctionRef<absl::Status(const SectionView&, bool known)> visit);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_SECTION_TABLE_H_
