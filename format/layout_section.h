// Serialisation of a Layout as the payload of a layout section (spec/FORMAT.md,
// "Layout section"); the same bytes appear in key packets and in the metadata
// of a .gcs file, and their XXH3-64 is the `layout_fingerprint`.
#ifndef GRADCODEC_FORMAT_LAYOUT_SECTION_H_
#define GRADCODEC_FORMAT_LAYOUT_SECTION_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gradcodec/layout.h"

namespace gradcodec::internal {

// Appends the payload of `layout`, which must pass ValidateLayout.
void SerializeLayout(const Layout& layout, std::vector<uint8_t>* out);

// Parses and validates a layout payload. `base_offset` is where the payload
// starts in the enclosing structure, for error messages. Allocates at most
// 24 bytes per input byte plus a constant (see kParseAllocationFactor).
absl::StatusOr<Layout> ParseLayout(absl::Span<const uint8_t> payload,
                                   size_t base_offset);

// XXH3-64 of a serialised layout payload.
uint64_t LayoutFingerprint(absl::Span<const uint8_t> payload);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_LAYOUT_SECTION_H_
