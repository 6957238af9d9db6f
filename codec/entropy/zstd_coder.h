// zstd as a backend: for metadata, and as the baseline the entropy coders
// are measured against.
#ifndef GRADCODEC_CODEC_ENTROPY_ZSTD_CODER_H_
#define GRADCODEC_CODEC_ENTROPY_ZSTD_CODER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace gradcodec::internal {

// Appends one zstd frame (with its content size) holding `input`.
void ZstdCompress(absl::Span<const uint8_t> input, int level,
                  std::vector<uint8_t>* out);

// Decodes `frame`, which must be exactly one zstd frame whose content size
// is `expected_size`, into `out` (exactly expected_size bytes).
// CORRUPT_PAYLOAD otherwise.
absl::Status ZstdDecompress(absl::Span<const uint8_t> frame,
                            size_t expected_size, uint8_t* out);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_ZSTD_CODER_H_
