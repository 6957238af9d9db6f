// The rate-distortion rule's comparison and its sums with AVX2
// (rate_distortion.h), shared by the rule's own pass over a run
// (RateDistortionRule::Choose) and the encode pass's loop that forms p and
// applies the rule while p is still in registers (form_run.h). Both
// must override the same signs and add the same floats in the same order:
// the error memory depends on them bit for bit.
//
// Only for functions compiled with the `target("avx2,...")` attribute and
// called after CpuHasAvx2Bmi2() (cpu_features.h).
#ifndef GRADCODEC_CODEC_SIGNXOR_RULE_COMPARE_AVX2_H_
#define GRADCODEC_CODEC_SIGNXOR_RULE_COMPARE_AVX2_H_

#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>

#include "codec/entropy/spread_bits_avx2.h"

namespace gradcodec::internal {

// Bit j for coordinate j of 32, set where |p_j| * scale < (byte j of
// `levels` & 0x7F); magnitudes[k] lane l holds |p_(8 k + l)|.
//
// |p| * scale < limit, limit an integer, is floor(|p| * scale) < limit:
// the products truncated to bytes (at most 127, above every limit) and
// compared 32 at a time with the levels as they come out of the lookup,
// rather than each level widened to a float. A NaN product (0 times an
// infinite scale) caps to 127 too, because minps returns its second
// operand when either is NaN: swapped, the NaN would truncate to INT_MIN
// and count as below every limit.
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline uint32_t
BelowLevels32(const __m256 (&magnitudes)[4], __m256 scale, __m256i levels) {
  const __m256 byte_cap = _mm256_set1_ps(127.0f);
  __m256i floors[4];
#pragma GCC unroll 4
  for (int k = 0; k < 4; ++k) {
    floors[k] = _mm256_cvttps_epi32(
        _mm256_min_ps(_mm256_mul_ps(magnitudes[k], scale), byte_cap));
  }
  // The packs interleave the 128-bit lanes: four coordinates of each
  // vector in turn, which the permutation puts back in order.
  const __m256i bytes = _mm256_permutevar8x32_epi32(
      _mm256_packs_epi16(_mm256_packs_epi32(floors[0], floors[1]),
                         _mm256_packs_epi32(floors[2], floors[3])),
      _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  return static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpgt_epi8(
      _mm256_and_si256(levels, _mm256_set1_epi8(0x7F)), bytes)));
}

// `sum` plus |p_i| of the 64 coordinates p[0..64) whose bit i is set in
// `word` (+0 for the others, as an AND mask gave), eight coordinates a
// step in order, lane k taking the coordinates k mod 8: step k's bits on
// bit 31 of the lanes, where blendv reads them (SpreadLanes).
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256
AddSelectedMagnitudes(__m256 sum, uint64_t word, const float* p) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  const SpreadLanes spread = SpreadLanes::Of(word);
#pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) {
    const __m256 taken = _mm256_castsi256_ps(spread.Tops(k));
    sum = _mm256_add_ps(
        sum, _mm256_blendv_ps(
                 _mm256_setzero_ps(),
                 _mm256_and_ps(_mm256_loadu_ps(p + 8 * k), abs_mask), taken));
  }
  return sum;
}

}  // namespace gradcodec::internal

#endif  // defined(__x86_64__)

#endif  // GRADCODEC_CODEC_SIGNXOR_RULE_COMPARE_AVX2_H_
