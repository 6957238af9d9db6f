// XXH3-64 (seed 0), the checksum and fingerprint function of the format.
#ifndef GRADCODEC_FORMAT_CHECKSUM_H_
#define GRADCODEC_FORMAT_CHECKSUM_H_

#include <cstdint>

#include "absl/types/span.h"

namespace gradcodec::internal {

uint64_t Xxh3(absl::Span<const uint8_t> bytes);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_CHECKSUM_H_
