// Spreading 64 bits to 64 bytes, or to the top bits of 64 32-bit lanes,
// with AVX2, for code that turns bit vectors (flips, context planes,
// signs) into per-coordinate bytes or float masks. Only for
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

// The 64 bits of a word, eight at a time on bit 31 of eight 32-bit lanes
// (for a float's sign, or a blendv's selector): each 32-bit half of the
// word sits in every lane of a vector once, and step k shifts it so that
// bit 8 k + j lands on bit 31 of lane j (the bits above shift out). A
// shift per eight coordinates, where extracting each step's byte from the
// word and broadcasting it took some 20 instructions.
struct SpreadLanes {
  __m256i halves[2];

  __attribute__((target("avx2,bmi,bmi2,popcnt"),
                 always_inline)) static inline SpreadLanes
  Of(uint64_t word) {
    return {{_mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(word))),
             _mm256_set1_epi32(
                 static_cast<int>(static_cast<uint32_t>(word >> 32)))}};
  }

  // Bit 8 step + j of the word on bit 31 of lane j, the lane's lower bits
  // those below it; `step` in 0..7 (a constant once inlined).
  __attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256i
  Tops(int step) const {
    const int low = 8 * (step % 4);
    return _mm256_sllv_epi32(
        halves[step / 4],
        _mm256_setr_epi32(31 - low, 30 - low, 29 - low, 28 - low, 27 - low,
                          26 - low, 25 - low, 24 - low));
  }

  // Tops(step) with the lower bits cleared: float sign masks.
  __attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256i
  SignMasks(int step) const {
    return _mm256_and_si256(Tops(step),
                            _mm256_set1_epi32(static_cast<int>(0x80000000u)));
  }
};

}  // namespace gradcodec::internal

#endif  // defined(__x86_64__)

#endif  // GRADCODEC_CODEC_ENTROPY_SPREAD_BITS_AVX2_H_
