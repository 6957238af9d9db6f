// Spreading 64 bits to 64 bytes with AVX2, for code that turns bit
// vectors (flips, context planes) into per-coordinate bytes. Only for
// functions compiled with the `target("avx2,...")` attribute and called
// after CpuHasAvx2Bmi2() (cpu_features.h).
#ifndef GRADCODEC_CODEC_ENTROPY_SPREAD_BITS_AVX2_H_
#define GRADCODEC_CODEC_ENTROPY_SPREAD_BITS_AVX2_H_

#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>

namespace gradcodec::internal {

// The 64 bits of a word as 64 bytes: 0xFF where the bit is set, 0 where it
// is clear; bits 0 to 31 in `low`, 32 to 63 in `high`.
struct SpreadBytes {
  __m256i low;
  __m256i high;
};

// The word is broadcast whole (from memory, when it comes from there: one
// instruction), each half's byte j takes the word's byte j / 8 by an
// in-lane shuffle, keeps bit j mod 8, and compares. Spreading each 32-bit
// half from a register took twice the instructions.
__attribute__((target("avx2,bmi,bmi2,popcnt"),
               always_inline)) inline SpreadBytes
SpreadWord(uint64_t word) {
  const __m256i spread_low =
      _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  //
                       2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i spread_high =
      _mm256_setr_epi8(4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5,  //
                       6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7);
  const __m256i bit = _mm256_set1_epi64x(0x8040201008040201ll);
  const __m256i broadcast = _mm256_set1_epi64x(static_cast<int64_t>(word));
  return {
      _mm256_cmpeq_epi8(
          _mm256_and_si256(_mm256_shuffle_epi8(broadcast, spread_low), bit),
          bit),
      _mm256_cmpeq_epi8(
          _mm256_and_si256(_mm256_shuffle_epi8(broadcast, spread_high), bit),
          bit)};
}

}  // namespace gradcodec::internal

#endif  // defined(__x86_64__)

#endif  // GRADCODEC_CODEC_ENTROPY_SPREAD_BITS_AVX2_H_
