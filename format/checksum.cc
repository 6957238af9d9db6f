#include "format/checksum.h"

#include <xxhash.h>

namespace gradcodec::internal {

uint64_t Xxh3(absl::Span<const uint8_t> bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

}  // namespace gradcodec::internal
