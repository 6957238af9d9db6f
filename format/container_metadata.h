// Serialisation of the metadata sections of a .gcs file header
// (spec/FORMAT.md, "File header").
#ifndef GRADCODEC_FORMAT_CONTAINER_METADATA_H_
#define GRADCODEC_FORMAT_CONTAINER_METADATA_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gradcodec/container.h"

namespace gradcodec::internal {

// Checks the settings: at most kMaxSettingCount, keys 1..256 bytes and
// unique, values at most 64 KiB, all UTF-8 without NUL.
absl::Status ValidateSettings(
    absl::Span<const std::pair<std::string, std::string>> settings);

// Appends the metadata sections of a validated `metadata` and returns the
// layout fingerprint (XXH3-64 of the layout payload it wrote).
uint64_t SerializeMetadata(const ContainerMetadata& metadata,
                           std::vector<uint8_t>* out);

// Parses metadata sections starting at file offset `base_offset`, and sets
// `layout_fingerprint` from the layout payload as read.
absl::StatusOr<ContainerMetadata> ParseMetadata(
    absl::Span<const uint8_t> bytes, size_t base_offset,
    uint64_t* layout_fingerprint);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_CONTAINER_METADATA_H_
