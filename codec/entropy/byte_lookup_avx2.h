// Looking up 32 bytes at once in a table of 64 bytes with AVX2, for code
// that maps flip contexts (below 64) to per-context values: the rate-
// distortion rule's levels, the fast coder's context groups. Only for
// functions compiled with the `target("avx2,...")` attribute and called
// after CpuHasAvx2Bmi2() (cpu_features.h).
#ifndef GRADCODEC_CODEC_ENTROPY_BYTE_LOOKUP_AVX2_H_
#define GRADCODEC_CODEC_ENTROPY_BYTE_LOOKUP_AVX2_H_

#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>

namespace gradcodec::internal {

// A 64-byte table as four 16-byte tables, each in both 128-bit halves
// (pshufb looks up within each half).
struct ByteTable64 {
  __m256i quarters[4];
};

__attribute__((target("avx2,bmi,bmi2,popcnt"),
               always_inline)) inline ByteTable64
LoadByteTable64(const uint8_t* table) {
  ByteTable64 out;
  for (int t = 0; t < 4; ++t) {
    out.quarters[t] = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * t)));
  }
  return out;
}

// Byte j of the result: table[indices byte j], for indices below 64.
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256i
LookUpBytes64(const ByteTable64& table, __m256i indices) {
  const __m256i t0 = _mm256_shuffle_epi8(table.quarters[0], indices);
  const __m256i t1 = _mm256_shuffle_epi8(table.quarters[1], indices);
  const __m256i t2 = _mm256_shuffle_epi8(table.quarters[2], indices);
  const __m256i t3 = _mm256_shuffle_epi8(table.quarters[3], indices);
  // Bits 4 and 5 moved to bit 7 of each byte, where blendv reads them (a
  // 16-bit shift: what crosses into the next byte lands below its bit 7).
  const __m256i bit4 = _mm256_slli_epi16(indices, 3);
  const __m256i bit5 = _mm256_slli_epi16(indices, 2);
  return _mm256_blendv_epi8(_mm256_blendv_epi8(t0, t1, bit4),
                            _mm256_blendv_epi8(t2, t3, bit4), bit5);
}

}  // namespace gradcodec::internal

#endif  // defined(__x86_64__)

#endif  // GRADCODEC_CODEC_ENTROPY_BYTE_LOOKUP_AVX2_H_
