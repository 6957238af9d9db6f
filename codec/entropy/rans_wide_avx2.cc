#include "codec/entropy/rans_wide_avx2.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace gradcodec::internal {

#if defined(__x86_64__)
namespace {

// For each mask of emitting lanes, a pshufb control that moves the low
// 16-bit words of those lanes (of eight packed words) to the TOP of a
// 16-byte vector, in ascending lane order. Stored 16 bytes below the
// cursor, the words then end exactly at it: lane i's word above those of
// emitting lanes < i, as the portable loop (lane 7 first, cursor moving
// down) leaves them.
constexpr std::array<std::array<uint8_t, 16>, 256> MakeCompactTable() {
  std::array<std::array<uint8_t, 16>, 256> table{};
  for (int mask = 0; mask < 256; ++mask) {
    const int count = std::popcount(static_cast<unsigned>(mask));
    int slot = 8 - count;
    for (auto& byte : table[mask]) byte = 0x80;  // zero
    for (int lane = 0; lane < 8; ++lane) {
      if ((mask >> lane & 1) == 0) continue;
      table[mask][2 * slot] = static_cast<uint8_t>(2 * lane);
      table[mask][2 * slot + 1] = static_cast<uint8_t>(2 * lane + 1);
      ++slot;
    }
  }
  return table;
}
alignas(16) constexpr std::array<std::array<uint8_t, 16>, 256> kCompact =
    MakeCompactTable();

// One RansEncPut for eight lanes at once.
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256i
PutEight(__m256i x, const uint8_t* symbols, uint8_t*& cursor,
         const RansEncodeTable& table) {
  // Eight table loads (cheaper than gathers on the AMD parts measured):
  // even lanes' entries in one vector, odd lanes' in another, so that each
  // 64-bit element holds its lane's rcp32 where _mm256_mul_epu32 reads it.
  uint64_t s;
  std::memcpy(&s, symbols, 8);
  const uint64_t* const entry = table.vector_symbols.data();
  const __m256i even_entries = _mm256_set_epi64x(
      static_cast<long long>(entry[(s >> 48) & 0xFF]),
      static_cast<long long>(entry[(s >> 32) & 0xFF]),
      static_cast<long long>(entry[(s >> 16) & 0xFF]),
      static_cast<long long>(entry[s & 0xFF]));
  const __m256i odd_entries = _mm256_set_epi64x(
      static_cast<long long>(entry[s >> 56]),
      static_cast<long long>(entry[(s >> 40) & 0xFF]),
      static_cast<long long>(entry[(s >> 24) & 0xFF]),
      static_cast<long long>(entry[(s >> 8) & 0xFF]));
  const __m256i fields = _mm256_blend_epi32(
      _mm256_srli_epi64(even_entries, 32), odd_entries, 0xAA);
  const __m256i bias = _mm256_and_si256(fields, _mm256_set1_epi32(0x1FFF));
  const __m256i freq_fields = _mm256_srli_epi32(fields, 13);
  const __m256i cmpl_freq =
      _mm256_and_si256(freq_fields, _mm256_set1_epi32(0xFFF));
  const __m256i rcp_shift = _mm256_srli_epi32(fields, 25);
  // x >= x_max = freq << 19, as x >> 19 > freq - 1, where freq - 1 =
  // 4095 - (M - freq) is the complement of the 12-bit field: one operation
  // fewer than forming x_max (freq 4096, whose x_max does not fit, never
  // emits either way since x < 2^31).
  const __m256i freq_minus_one =
      _mm256_andnot_si256(freq_fields, _mm256_set1_epi32(0xFFF));
  const __m256i emit =
      _mm256_cmpgt_epi32(_mm256_srli_epi32(x, 19), freq_minus_one);
  const auto mask =
      static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(emit)));

  // The low words of all eight lanes, packed (a byte shuffle gathers each
  // half's four into its low qword); keep the emitting ones.
  const __m256i low_words = _mm256_setr_epi8(
      0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1,  //
      0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i packed = _mm256_permute4x64_epi64(
      _mm256_shuffle_epi8(x, low_words), 0x08);  // qwords 0 and 2
  const __m128i words = _mm_shuffle_epi8(
      _mm256_castsi256_si128(packed),
      _mm_load_si128(reinterpret_cast<const __m128i*>(kCompact[mask].data())));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(cursor - 16), words);
  cursor -= 2 * std::popcount(mask);
  x = _mm256_blendv_epi8(x, _mm256_srli_epi32(x, 16), emit);

  // x = (x / freq) * M + x mod freq + start
  //   = x + bias + (x / freq) * (M - freq), x / freq by reciprocal.
  const __m256i even =
      _mm256_srli_epi64(_mm256_mul_epu32(x, even_entries), 32);
  const __m256i odd =
      _mm256_mul_epu32(_mm256_srli_epi64(x, 32), odd_entries);
  const __m256i quotient =
      _mm256_srlv_epi32(_mm256_blend_epi32(even, odd, 0xAA), rcp_shift);
  return _mm256_add_epi32(_mm256_add_epi32(x, bias),
                          _mm256_mullo_epi32(quotient, cmpl_freq));
}

}  // namespace

__attribute__((target("avx2,bmi,bmi2,popcnt"))) uint8_t* PutWideGroupsAvx2(
    uint32_t* states, uint8_t* cursor, const uint8_t* symbols, size_t groups,
    const RansEncodeTable& table) {
  static_assert(kRansWideLanes == 32);
  auto* state_vectors = reinterpret_cast<__m256i*>(states);
  __m256i x0 = _mm256_loadu_si256(state_vectors + 0);
  __m256i x1 = _mm256_loadu_si256(state_vectors + 1);
  __m256i x2 = _mm256_loadu_si256(state_vectors + 2);
  __m256i x3 = _mm256_loadu_si256(state_vectors + 3);
  for (size_t g = groups; g-- > 0;) {
    const uint8_t* group = symbols + kRansWideLanes * g;
    x3 = PutEight(x3, group + 24, cursor, table);
    x2 = PutEight(x2, group + 16, cursor, table);
    x1 = PutEight(x1, group + 8, cursor, table);
    x0 = PutEight(x0, group + 0, cursor, table);
  }
  _mm256_storeu_si256(state_vectors + 0, x0);
  _mm256_storeu_si256(state_vectors + 1, x1);
  _mm256_storeu_si256(state_vectors + 2, x2);
  _mm256_storeu_si256(state_vectors + 3, x3);
  return cursor;
}

#else

uint8_t* PutWideGroupsAvx2(uint32_t*, uint8_t* cursor, const uint8_t*, size_t,
                           const RansEncodeTable&) {
  return cursor;  // never called: CpuHasAvx2Bmi2() is false
}

#endif

}  // namespace gradcodec::internal
