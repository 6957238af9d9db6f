// Spreading 32 bits to 32 bytes with AVX2, for code that turns bit
// vectors (flips, context planes) into per-coordinate bytes. Only for
// functions compiled with the `target("avx2,...")` attribute and called
// after CpuHasAvx2Bmi2() (cpu_features.h).
#ifndef GRADCODEC_CODEC_ENTROPY_SPREAD_BITS_AVX2_H_
#define GRADCODEC_CODEC_ENTROPY_SPREAD_BITS_AVX2_H_

#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>

namespace gradcodec::internal {

// Byte j of the result: `value` where bit j of `bits` is set, else 0
// (shuffle byte j / 8 of the bits to byte j, keep bit j mod 8, compare).
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256i
SpreadBits(uint32_t bits, __m256i value) {
  const __m256i spread = _mm256_setr_epi8(
      0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  //
      2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i bit = _mm256_set1_epi64x(0x8040201008040201ll);
  const __m256i bytes =
      _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), spread);
  return _mm256_and_si256(
      _mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit), value);
}

}  // namespace gradcodec::internal

#endif  // defined(__x86_64__)

#endif  // GRADCODEC_CODEC_ENTROPY_SPREAD_BITS_AVX2_H_
