#include "codec/signxor/flip_history.h"

#include <algorithm>

#include "codec/bit_window.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/entropy/cpu_features.h"
#include "codec/entropy/spread_bits_avx2.h"

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

namespace {

// ((c << 1) | flip) & keep for one context.
inline uint8_t Advance(uint8_t context, uint64_t flip, uint8_t keep) {
  return static_cast<uint8_t>(((context << 1) | flip) & keep);
}

#if defined(__x86_64__)
// 64 contexts a step, the step's 64 flips spread to one byte each (0xFF
// where set, so that subtracting it adds 1). Returns the coordinates done.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) uint64_t AdvanceContextsAvx2(
    const uint64_t* flips, uint64_t first, uint64_t count, uint8_t keep,
    uint8_t* contexts) {
  const __m256i vkeep = _mm256_set1_epi8(static_cast<char>(keep));
  uint64_t done = 0;
  for (; done + 64 <= count; done += 64) {
    const uint64_t i = first + done;
    const SpreadBytes flip = SpreadWord(BitsAt<64>(flips, i));
    auto* at = reinterpret_cast<__m256i*>(contexts + i);
    const __m256i low = _mm256_loadu_si256(at);
    const __m256i high = _mm256_loadu_si256(at + 1);
    _mm256_storeu_si256(
        at, _mm256_and_si256(
                _mm256_sub_epi8(_mm256_add_epi8(low, low), flip.low), vkeep));
    _mm256_storeu_si256(
        at + 1,
        _mm256_and_si256(
            _mm256_sub_epi8(_mm256_add_epi8(high, high), flip.high), vkeep));
  }
  return done;
}
#endif

}  // namespace

void FlipHistory::AdvanceContexts(uint32_t history_bits, uint64_t first,
                                  uint64_t count, uint8_t* contexts) const {
  const auto keep = static_cast<uint8_t>((1u << history_bits) - 1);
  const uint64_t* const flips = planes_[0].data();  // the latest push
  uint64_t done = 0;
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) {
    done = AdvanceContextsAvx2(flips, first, count, keep, contexts);
  }
#endif
  for (uint64_t i = first + done; i < first + count; ++i) {
    contexts[i] = Advance(contexts[i], (flips[i >> 6] >> (i & 63)) & 1, keep);
  }
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
