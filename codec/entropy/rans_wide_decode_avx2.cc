#include "codec/entropy/rans_wide_decode_avx2.h"

#include <array>
#include <bit>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace gradcodec::internal {

#if defined(__x86_64__)
namespace {

// For each mask of lanes that take a word, the permutation that hands the
// k-th of eight consecutive words (widened to 32 bits) to the k-th such
// lane, in ascending lane order as the portable loop reads them.
constexpr std::array<std::array<uint32_t, 8>, 256> MakeExpandTable() {
  std::array<std::array<uint32_t, 8>, 256> table{};
  for (int mask = 0; mask < 256; ++mask) {
    uint32_t next = 0;
    for (int lane = 0; lane < 8; ++lane) {
      if ((mask >> lane & 1) != 0) table[mask][lane] = next++;
    }
  }
  return table;
}
alignas(32) constexpr std::array<std::array<uint32_t, 8>, 256> kExpand =
    MakeExpandTable();

// RansDecStep then RansDecRenorm for eight lanes; returns the eight table
// entries (whose low bytes are the symbols).
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256i
GetEight(__m256i& x, const uint8_t*& cursor, const RansDecodeTable& table) {
  const __m256i slot = _mm256_and_si256(x, _mm256_set1_epi32(kRansScale - 1));
  const __m256i entry = _mm256_i32gather_epi32(
      reinterpret_cast<const int*>(table.slots.data()), slot, 4);
  const __m256i freq = _mm256_add_epi32(
      _mm256_and_si256(_mm256_srli_epi32(entry, 8), _mm256_set1_epi32(0xFFF)),
      _mm256_set1_epi32(1));
  x = _mm256_add_epi32(
      _mm256_mullo_epi32(freq, _mm256_srli_epi32(x, kRansScaleBits)),
      _mm256_srli_epi32(entry, 20));
  // States are below 2^31, so the signed compare is x < kRansLow.
  const __m256i take = _mm256_cmpgt_epi32(_mm256_set1_epi32(kRansLow), x);
  const auto mask =
      static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(take)));
  const __m256i words = _mm256_cvtepu16_epi32(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(cursor)));
  const __m256i mine = _mm256_permutevar8x32_epi32(
      words, _mm256_load_si256(
                 reinterpret_cast<const __m256i*>(kExpand[mask].data())));
  x = _mm256_blendv_epi8(x, _mm256_or_si256(_mm256_slli_epi32(x, 16), mine),
                         take);
  cursor += 2 * std::popcount(mask);
  return entry;
}

}  // namespace

__attribute__((target("avx2,bmi,bmi2,popcnt"))) size_t GetWideGroupsAvx2(
    uint32_t* states, const uint8_t*& cursor, const uint8_t* end,
    uint8_t* out, size_t groups, const RansDecodeTable& table) {
  static_assert(kRansWideLanes == 32);
  auto* state_vectors = reinterpret_cast<__m256i*>(states);
  __m256i x0 = _mm256_loadu_si256(state_vectors + 0);
  __m256i x1 = _mm256_loadu_si256(state_vectors + 1);
  __m256i x2 = _mm256_loadu_si256(state_vectors + 2);
  __m256i x3 = _mm256_loadu_si256(state_vectors + 3);
  const __m256i low_byte = _mm256_set1_epi32(0xFF);
  // packus leaves the 32 symbols in dword order a0 b0 c0 d0 a1 b1 c1 d1
  // (four symbols each, half vector 0 or 1 of vectors a..d): this puts
  // them back in lane order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const uint8_t* in = cursor;
  size_t g = 0;
  for (; g < groups && end - in >= 2 * kRansWideLanes; ++g) {
    const __m256i e0 = _mm256_and_si256(GetEight(x0, in, table), low_byte);
    const __m256i e1 = _mm256_and_si256(GetEight(x1, in, table), low_byte);
    const __m256i e2 = _mm256_and_si256(GetEight(x2, in, table), low_byte);
    const __m256i e3 = _mm256_and_si256(GetEight(x3, in, table), low_byte);
    const __m256i bytes = _mm256_packus_epi16(_mm256_packus_epi32(e0, e1),
                                              _mm256_packus_epi32(e2, e3));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + kRansWideLanes * g),
                        _mm256_permutevar8x32_epi32(bytes, order));
  }
  _mm256_storeu_si256(state_vectors + 0, x0);
  _mm256_storeu_si256(state_vectors + 1, x1);
  _mm256_storeu_si256(state_vectors + 2, x2);
  _mm256_storeu_si256(state_vectors + 3, x3);
  cursor = in;
  return g;
}

#else

size_t GetWideGroupsAvx2(uint32_t*, const uint8_t*&, const uint8_t*, uint8_t*,
                         size_t, const RansDecodeTable&) {
  return 0;  // never called: CpuHasAvx2Bmi2() is false
}

#endif

}  // namespace gradcodec::internal
