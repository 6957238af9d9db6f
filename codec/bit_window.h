// Reading a few bits of a packed bit vector (bit i of the vector is bit
// i mod 64 of word i / 64) from any bit on, for the vector loops that take
// 8 or 32 coordinates' bits at once wherever a run starts.
#ifndef GRADCODEC_CODEC_BIT_WINDOW_H_
#define GRADCODEC_CODEC_BIT_WINDOW_H_

#include <cstdint>

namespace gradcodec::internal {

// Bits [at, at + kBits) of `words` in bits 0 .. kBits - 1 of the result,
// bit `at` in bit 0; the bits above are those that follow them in the
// words read. The word after the one holding `at` is read only when the
// window crosses into it, so the kBits bits must lie within the vector.
template <int kBits>
inline uint64_t BitsAt(const uint64_t* words, uint64_t at) {
  static_assert(kBits >= 1 && kBits <= 64);
  const uint64_t shift = at & 63;
  uint64_t bits = words[at >> 6] >> shift;
  if (shift > 64 - kBits) bits |= words[(at >> 6) + 1] << (64 - shift);
  return bits;
}

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_BIT_WINDOW_H_
