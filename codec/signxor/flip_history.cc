#include "codec/signxor/flip_history.h"

#include <algorithm>

namespace gradcodec::internal {
namespace {

uint64_t Words(uint64_t count) { return (count + 63) / 64; }

}  // namespace

void FlipHistory::Reset(uint64_t count) {
  count_ = count;
  for (std::vector<uint64_t>& plane : planes_) plane.assign(Words(count), 0);
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
  for (uint64_t i = 0; i < count; ++i) {
    for (uint32_t k = 0; k < kFlipHistoryBits; ++k) {
      planes_[k][i >> 6] |= static_cast<uint64_t>((histories[i] >> k) & 1)
                            << (i & 63);
    }
  }
}

}  // namespace gradcodec::internal
