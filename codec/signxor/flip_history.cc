#include "codec/signxor/flip_history.h"

#include <algorithm>

#include "codec/entropy/context_bit_coder.h"

namespace gradcodec::internal {

void FlipHistory::Reset(uint64_t count) {
  count_ = count;
  for (std::vector<uint64_t>& plane : planes_) plane.assign(BitWords(count), 0);
}

void FlipHistory::Push(std::vector<uint64_t>& flips) {
  // The oldest plane moves to the front and trades storage with the flips.
  std::rotate(planes_.begin(), planes_.end() - 1, planes_.end());
  planes_[0].swap(flips);
}

void FlipHistory::Contexts(uint32_t history_bits, uint8_t* contexts) const {
  ContextsFromPlanes(Planes(history_bits), contexts);
}

ContextPlanes FlipHistory::Planes(uint32_t history_bits) const {
  ContextPlanes planes;
  for (uint32_t k = 0; k < history_bits; ++k) planes.planes[k] = planes_[k].data();
  planes.plane_count = history_bits;
  planes.count = count_;
  return planes;
}

void FlipHistory::Assign(const uint8_t* histories, uint64_t count) {
  Reset(count);
  std::array<uint64_t*, kFlipHistoryBits> planes;
  for (uint32_t k = 0; k < kFlipHistoryBits; ++k) planes[k] = planes_[k].data();
  PlanesFromContexts(absl::MakeConstSpan(histories, count), kFlipHistoryBits,
                     planes.data());
}

}  // namespace gradcodec::internal
