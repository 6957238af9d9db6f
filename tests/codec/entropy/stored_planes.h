// Contexts as bit planes (PlanesFromContexts), with their storage, for the
// tests of the merges and decoders that take ContextPlanes.
#ifndef GRADCODEC_TESTS_CODEC_ENTROPY_STORED_PLANES_H_
#define GRADCODEC_TESTS_CODEC_ENTROPY_STORED_PLANES_H_

#include <cstdint>
#include <vector>

#include "codec/entropy/context_bit_coder.h"
#include "codec/entropy/context_split.h"

namespace gradcodec::internal {

struct StoredPlanes {
  StoredPlanes(const std::vector<uint8_t>& contexts, uint32_t plane_count)
      : storage(plane_count,
                std::vector<uint64_t>(BitWords(contexts.size()), 0)) {
    std::vector<uint64_t*> pointers;
    for (auto& plane : storage) pointers.push_back(plane.data());
    PlanesFromContexts(contexts, plane_count, pointers.data());
    for (uint32_t k = 0; k < plane_count; ++k) {
      planes.planes[k] = storage[k].data();
    }
    planes.plane_count = plane_count;
    planes.count = contexts.size();
  }
  std::vector<std::vector<uint64_t>> storage;
  ContextPlanes planes;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_TESTS_CODEC_ENTROPY_STORED_PLANES_H_
