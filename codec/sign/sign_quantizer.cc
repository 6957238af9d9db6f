#include "codec/sign/sign_quantizer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "codec/entropy/cpu_features.h"
#include "codec/entropy/spread_bits_avx2.h"

namespace gradcodec::internal {
namespace {

// Lane k of entry n is the float sign bit when bit k of n is set.
constexpr std::array<std::array<uint32_t, 4>, 16> MakeNibbleSignMasks() {
  std::array<std::array<uint32_t, 4>, 16> table{};
  for (int n = 0; n < 16; ++n) {
    for (int k = 0; k < 4; ++k) {
      table[n][k] = ((n >> k) & 1) != 0 ? 0x80000000u : 0;
    }
  }
  return table;
}
alignas(16) constexpr std::array<std::array<uint32_t, 4>, 16>
    kNibbleSignMasks = MakeNibbleSignMasks();

}  // namespace

bool UseStreamingStores(const float* out, uint64_t count) {
#if defined(__SSE2__)
  return count >= kStreamingStoreFloats &&
         reinterpret_cast<uintptr_t>(out) % 16 == 0;
#else
  (void)out;
  (void)count;
  return false;
#endif
}

void FinishStreamingStores() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

namespace {

// Calls write_four(i, value) for four coordinates at a time from the first
// multiple of 4 (value: four floats holding +-scale by their sign bits,
// `bits` those of the scale) and write_one for the ragged ends, over
// [begin, end) of one block.
template <typename WriteFour, typename WriteOne>
void FillSignedScale(const uint64_t* signs, uint64_t begin, uint64_t end,
                     uint32_t bits, WriteFour write_four, WriteOne write_one) {
  constexpr uint32_t kSignBit = 0x80000000u;
  auto one = [&](uint64_t i) {
    const auto negative =
        static_cast<uint32_t>((signs[i >> 6] >> (i & 63)) & 1);
    write_one(i, std::bit_cast<float>(bits ^ (negative * kSignBit)));
  };
  uint64_t i = begin;
  for (; i < end && (i & 3) != 0; ++i) one(i);
#if defined(__SSE2__)
  const __m128i value = _mm_set1_epi32(static_cast<int>(bits));
  for (; i + 4 <= end; i += 4) {
    const auto nibble = static_cast<size_t>((signs[i >> 6] >> (i & 63)) & 15);
    const __m128i masks = _mm_load_si128(
        reinterpret_cast<const __m128i*>(kNibbleSignMasks[nibble].data()));
    write_four(i, _mm_castsi128_ps(_mm_xor_si128(value, masks)));
  }
#endif
  for (; i < end; ++i) one(i);
}

// Calls fill(begin, end, scale) for every block's part in [first, end),
// block by block from *block (which must not start after `first`). It is
// left where the next range, from `end`, goes on: at the block holding
// `end`, or where `end` is a block start, at the first block starting
// there (possibly an empty one, or past the last block). With no blocks
// (method sign) fill is called once for the range, scale 1.
template <typename Fill>
void ForEachBlockIn(uint64_t first, uint64_t end,
                    absl::Span<const uint64_t> block_starts,
                    absl::Span<const float> scales, size_t* block, Fill fill) {
  if (block_starts.empty()) {
    if (first < end) fill(first, end, 1.0f);
    return;
  }
  size_t b = *block;
  while (b + 1 < block_starts.size() && block_starts[b] < end) {
    const uint64_t from = std::max(first, block_starts[b]);
    const uint64_t to = std::min(end, block_starts[b + 1]);
    if (from < to) fill(from, to, scales[b]);
    if (block_starts[b + 1] > end) break;  // the next range goes on in it
    ++b;
  }
  *block = b;
}

// The shared loop of the portable reconstruction and of weighted sums:
// FillSignedScale over the blocks' parts in [first, end) (ForEachBlockIn,
// from *block), the scale times `weight`.
template <typename WriteFour, typename WriteOne>
void ForEachSignedScaleIn(const uint64_t* signs, uint64_t first, uint64_t end,
                          absl::Span<const uint64_t> block_starts,
                          absl::Span<const float> scales, size_t* block,
                          float weight, WriteFour write_four,
                          WriteOne write_one) {
  ForEachBlockIn(first, end, block_starts, scales, block,
                 [&](uint64_t begin, uint64_t stop, float scale) {
                   FillSignedScale(signs, begin, stop,
                                   std::bit_cast<uint32_t>(weight * scale),
                                   write_four, write_one);
                 });
}

#if defined(__x86_64__)
// The sign bits of up to 64 coordinates from `at` (SpreadLanes), of which
// those from `end` on (the caller's last coordinate) are not read.
//
// The AVX2 loops here end in _mm256_zeroupper() before the portable code
// does their ends: GCC 12 emits no vzeroupper of its own in these
// functions, and SSE code run with the upper halves dirty took the decode
// from 16 to 25 ms.
inline uint64_t SignBits(const uint64_t* signs, uint64_t at, uint64_t end) {
  const uint64_t shift = at & 63;
  uint64_t bits = signs[at >> 6] >> shift;
  if (shift != 0 && (at | 63) + 1 < end) {
    bits |= signs[(at >> 6) + 1] << (64 - shift);
  }
  return bits;
}

__attribute__((target("avx2,bmi,bmi2,popcnt"),
               always_inline)) inline SpreadLanes
SignWindow(const uint64_t* signs, uint64_t at, uint64_t end) {
  return SpreadLanes::Of(SignBits(signs, at, end));
}

// Calls eight(i, masks) for the coordinates i, i + 8, ... from `begin`
// while eight of them fit before `end` (masks: their sign masks), and
// returns the first coordinate it did not cover.
template <typename Eight>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline uint64_t
ForEachEightSigns(const uint64_t* signs, uint64_t begin, uint64_t end,
                  Eight eight) {
  uint64_t i = begin;
  for (; i + 64 <= end; i += 64) {
    const SpreadLanes window = SignWindow(signs, i, end);
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) eight(i + 8 * k, window.SignMasks(k));
  }
  if (i + 8 > end) return i;
  const SpreadLanes window = SignWindow(signs, i, end);
  const auto steps = static_cast<int>((end - i) / 8);  // 1..7
  for (int k = 0; k < steps; ++k) eight(i + 8 * k, window.SignMasks(k));
  return i + 8 * steps;
}

// Eight floats to `at`: streaming (`at` 32-byte aligned) or not.
template <bool kStream>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline void
StoreEight(float* at, __m256 eight) {
  if constexpr (kStream) {
    _mm256_stream_ps(at, eight);
  } else {
    _mm256_storeu_ps(at, eight);
  }
}

// The first coordinate at or before `end` whose float in `out` starts a
// 64-byte line (`end` itself when `out` is not 4-byte aligned).
inline uint64_t LineStart(const float* out, uint64_t end) {
  const uintptr_t address = reinterpret_cast<uintptr_t>(out + end);
  if (address % 4 != 0) return end;
  const uint64_t into_line = address % 64 / 4;
  return end >= into_line ? end - into_line : 0;
}

// The first coordinate from `begin` where the AVX2 loops start: a multiple
// of 8, or with streaming stores the one whose float in `out` (16-byte
// aligned) is 32-byte aligned, as _mm256_stream_ps needs.
inline uint64_t EightStart(const float* out, uint64_t begin, bool stream) {
  const uint64_t phase =
      stream ? (8 - reinterpret_cast<uintptr_t>(out) / 4 % 8) % 8 : 0;
  return begin + (phase - begin % 8 + 8) % 8;
}

// The scales' bits of the blocks that hold coordinates at .. at + 7, lane
// k coordinate at + k, with *block the block holding `at` (or one before
// it); moves *block on to the block holding at + 8, or the last block. A
// blend per block boundary inside the eight (mostly one): a per-lane loop
// through memory cost a store-forwarding stall per block.
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256i
StraddlingScales(uint64_t at, absl::Span<const uint64_t> block_starts,
                 absl::Span<const float> scales, size_t* block) {
  const size_t blocks = scales.size();
  size_t b = *block;
  while (b + 1 < blocks && block_starts[b + 1] <= at) ++b;
  const __m256i lane = _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8);
  __m256i values = _mm256_set1_epi32(std::bit_cast<int32_t>(scales[b]));
  // Lanes from block b + 1's start on take its scale (an empty block's
  // lanes are all taken again by the next).
  while (b + 1 < blocks && block_starts[b + 1] < at + 8) {
    ++b;
    const auto from = static_cast<int32_t>(block_starts[b] - at);
    values = _mm256_blendv_epi8(
        values, _mm256_set1_epi32(std::bit_cast<int32_t>(scales[b])),
        _mm256_cmpgt_epi32(lane, _mm256_set1_epi32(from)));
  }
  while (b + 1 < blocks && block_starts[b + 1] <= at + 8) ++b;
  *block = b;
  return values;
}

// The ends of a fill's range that its vector loop leaves, [first, end):
// four floats or one at a time (ForEachSignedScaleIn), streaming or not.
template <bool kStream>
void FillEdge(const uint64_t* signs, uint64_t first, uint64_t end,
              absl::Span<const uint64_t> block_starts,
              absl::Span<const float> scales, size_t* block, float* out) {
  ForEachSignedScaleIn(
      signs, first, end, block_starts, scales, block, 1.0f,
      [out](uint64_t i, __m128 four) {
        if constexpr (kStream) {
          _mm_stream_ps(out + i, four);
        } else {
          _mm_storeu_ps(out + i, four);
        }
      },
      [out](uint64_t i, float value) { out[i] = value; });
}

// Where a fill's vector loop starts, or goes on after a straddling store:
// the block holding coordinate `at` (from `block` on), where it ends (the
// last block at the last coordinate, which the loop never passes) and its
// scale; for method sign (no blocks) scale 1 throughout.
struct FillBlock {
  size_t block;
  uint64_t end;
  float scale;
};
inline FillBlock FillBlockAt(uint64_t at,
                             absl::Span<const uint64_t> block_starts,
                             absl::Span<const float> scales, size_t block) {
  if (scales.empty()) return {block, ~uint64_t{0}, 1.0f};
  while (block + 1 < scales.size() && block_starts[block + 1] <= at) ++block;
  return {block, block_starts[block + 1], scales[block]};
}

// Coordinates [begin, stop) of a reconstruction, eight floats a store:
// the vector loop runs across block boundaries (a store that straddles
// one takes each lane's scale), so that with streaming stores every
// 64-byte line of `out` inside the range is written by consecutive stores
// of 32 aligned bytes. Only the range's first and last floats, up to the
// first 32-byte boundary and after the last, are written four or one at
// a time. *block: as ForEachBlockIn leaves it.
template <bool kStream>
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void FillRangeAvx2(
    const uint64_t* signs, uint64_t begin, uint64_t stop,
    absl::Span<const uint64_t> block_starts, absl::Span<const float> scales,
    size_t* block, float* out) {
  const uint64_t grid = std::min(stop, EightStart(out, begin, kStream));
  FillEdge<kStream>(signs, begin, grid, block_starts, scales, block, out);
  const FillBlock start = FillBlockAt(grid, block_starts, scales, *block);
  size_t b = start.block;
  uint64_t block_end = start.end;
  __m256i value = _mm256_set1_epi32(std::bit_cast<int32_t>(start.scale));
  const uint64_t i = ForEachEightSigns(
      signs, grid, stop,
      [&](uint64_t at, __m256i masks)
          __attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) {
            __m256i values = value;
            if (at + 8 > block_end) [[unlikely]] {
              values = StraddlingScales(at, block_starts, scales, &b);
              const FillBlock next =
                  FillBlockAt(at + 8, block_starts, scales, b);
              block_end = next.end;
              value = _mm256_set1_epi32(std::bit_cast<int32_t>(next.scale));
            }
            StoreEight<kStream>(
                out + at, _mm256_castsi256_ps(_mm256_xor_si256(values, masks)));
          });
  _mm256_zeroupper();  // before SSE code: see SignWindow
  if (!scales.empty()) *block = b;
  FillEdge<kStream>(signs, i, stop, block_starts, scales, block, out);
}

// The AVX-512 twin of the fill (CpuHasAvx512Vbmi): sixteen floats, one
// 64-byte line of `out`, a store, so that a streaming store writes a whole
// line at once. The same floats as the AVX2 loop: each lane's scale with
// its sign bit flipped where the coordinate's sign bit is set. codec_bench
// Decode/4 on a Xeon with AVX-512: 7.37 -> 7.15 ms, best of nine
// alternating runs. (The encoder's error write, SubtractSignedScale, made
// so gained nothing: 20.8 against 20.7 ms for Encode/4.)
//
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*, which
// -Wmaybe-uninitialized reports (a known false positive).
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// Calls sixteen(i, signs) for the coordinates i, i + 16, ... from `begin`
// while sixteen of them fit before `end` (signs: their sign bits), and
// returns the first coordinate it did not cover.
template <typename Sixteen>
__attribute__((target("avx2,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,"
                      "avx512vl,avx512vbmi"),
               always_inline)) inline uint64_t
ForEachSixteenSigns(const uint64_t* signs, uint64_t begin, uint64_t end,
                    Sixteen sixteen) {
  uint64_t i = begin;
  for (; i + 64 <= end; i += 64) {
    const uint64_t bits = SignBits(signs, i, end);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      sixteen(i + 16 * k, static_cast<__mmask16>(bits >> (16 * k)));
    }
  }
  if (i + 16 > end) return i;
  const uint64_t bits = SignBits(signs, i, end);
  const auto steps = static_cast<int>((end - i) / 16);  // 1..3
  for (int k = 0; k < steps; ++k) {
    sixteen(i + 16 * k, static_cast<__mmask16>(bits >> (16 * k)));
  }
  return i + 16 * steps;
}

// The first coordinate from `begin` where the AVX-512 loops start: a
// multiple of 16, or with streaming stores the one whose float in `out`
// (16-byte aligned) starts a 64-byte line, as _mm512_stream_ps needs.
inline uint64_t SixteenStart(const float* out, uint64_t begin, bool stream) {
  const uint64_t phase =
      stream ? (16 - reinterpret_cast<uintptr_t>(out) / 4 % 16) % 16 : 0;
  return begin + (phase - begin % 16 + 16) % 16;
}

// StraddlingScales for sixteen coordinates.
__attribute__((target("avx2,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,"
                      "avx512vl,avx512vbmi"),
               always_inline)) inline __m512i
StraddlingScales16(uint64_t at, absl::Span<const uint64_t> block_starts,
                   absl::Span<const float> scales, size_t* block) {
  const size_t blocks = scales.size();
  size_t b = *block;
  while (b + 1 < blocks && block_starts[b + 1] <= at) ++b;
  const __m512i lane =
      _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
  __m512i values = _mm512_set1_epi32(std::bit_cast<int32_t>(scales[b]));
  while (b + 1 < blocks && block_starts[b + 1] < at + 16) {
    ++b;
    const auto from = static_cast<int32_t>(block_starts[b] - at);
    values = _mm512_mask_mov_epi32(
        values, _mm512_cmpgt_epi32_mask(lane, _mm512_set1_epi32(from)),
        _mm512_set1_epi32(std::bit_cast<int32_t>(scales[b])));
  }
  while (b + 1 < blocks && block_starts[b + 1] <= at + 16) ++b;
  *block = b;
  return values;
}

// FillRangeAvx2 sixteen floats a store.
template <bool kStream>
__attribute__((
    target("avx2,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,"
           "avx512vl,avx512vbmi"))) void
FillRangeAvx512(const uint64_t* signs, uint64_t begin, uint64_t stop,
                absl::Span<const uint64_t> block_starts,
                absl::Span<const float> scales, size_t* block, float* out) {
  const uint64_t grid = std::min(stop, SixteenStart(out, begin, kStream));
  FillEdge<kStream>(signs, begin, grid, block_starts, scales, block, out);
  const FillBlock start = FillBlockAt(grid, block_starts, scales, *block);
  size_t b = start.block;
  uint64_t block_end = start.end;
  __m512i value = _mm512_set1_epi32(std::bit_cast<int32_t>(start.scale));
  const __m512i sign_bit = _mm512_set1_epi32(static_cast<int>(0x80000000u));
  const uint64_t i = ForEachSixteenSigns(
      signs, grid, stop,
      [&](uint64_t at, __mmask16 negative) __attribute__((
          target("avx2,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,avx512vl,"
                 "avx512vbmi"),
          always_inline)) {
        __m512i values = value;
        if (at + 16 > block_end) [[unlikely]] {
          values = StraddlingScales16(at, block_starts, scales, &b);
          const FillBlock next = FillBlockAt(at + 16, block_starts, scales, b);
          block_end = next.end;
          value = _mm512_set1_epi32(std::bit_cast<int32_t>(next.scale));
        }
        const __m512 floats = _mm512_castsi512_ps(
            _mm512_mask_xor_epi32(values, negative, values, sign_bit));
        if constexpr (kStream) {
          _mm512_stream_ps(out + at, floats);
        } else {
          _mm512_storeu_ps(out + at, floats);
        }
      });
  _mm256_zeroupper();  // before SSE code: see SignWindow
  if (!scales.empty()) *block = b;
  FillEdge<kStream>(signs, i, stop, block_starts, scales, block, out);
}

#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

}  // namespace

PiecewiseReconstruction::PiecewiseReconstruction(
    uint64_t count, absl::Span<const uint64_t> block_starts,
    absl::Span<const float> scales, float* out)
    : count_(count),
      block_starts_(block_starts),
      scales_(scales),
      out_(out),
      stream_(UseStreamingStores(out, count)) {}

PiecewiseReconstruction::~PiecewiseReconstruction() {
  if (stream_) FinishStreamingStores();
}

void PiecewiseReconstruction::Write(const uint64_t* signs, uint64_t first,
                                    uint64_t end) {
  end = std::min(end, count_);
  float* const out = out_;
  // Weight 1: the scale itself, with the coordinate's sign. Four (or, on
  // AVX2, eight) floats at a time from an index that is a multiple of 4
  // (or 8): aligned when `out` is.
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) {
    // Up to the last 64-byte line of `out` that the range completes; the
    // rest waits for the next range (or the last, which ends at count_),
    // so that no line is written in two parts with the caller's work in
    // between. (Streaming stores of 16 bytes at each end of every block,
    // their lines completed by the next block's, took codec_bench's
    // Decode/4 from 9.3 to 18 ms once the loop between them was fast.)
    const uint64_t stop =
        end == count_ ? end : std::max(written_, LineStart(out, end));
    if (CpuHasAvx512Vbmi()) {
      if (stream_) {
        FillRangeAvx512<true>(signs, written_, stop, block_starts_, scales_,
                              &block_, out);
      } else {
        FillRangeAvx512<false>(signs, written_, stop, block_starts_, scales_,
                               &block_, out);
      }
    } else if (stream_) {
      FillRangeAvx2<true>(signs, written_, stop, block_starts_, scales_,
                          &block_, out);
    } else {
      FillRangeAvx2<false>(signs, written_, stop, block_starts_, scales_,
                           &block_, out);
    }
    written_ = stop;
    return;
  }
#endif
  const auto write_one = [out](uint64_t i, float value) { out[i] = value; };
  if (stream_) {
    ForEachSignedScaleIn(
        signs, first, end, block_starts_, scales_, &block_, 1.0f,
        [out](uint64_t i, auto four) { _mm_stream_ps(out + i, four); },
        write_one);
  } else {
    ForEachSignedScaleIn(
        signs, first, end, block_starts_, scales_, &block_, 1.0f,
        [out](uint64_t i, auto four) { _mm_storeu_ps(out + i, four); },
        write_one);
  }
}

void ReconstructSigns(const uint64_t* signs, uint64_t count,
                      absl::Span<const uint64_t> block_starts,
                      absl::Span<const float> scales, float* out) {
  PiecewiseReconstruction(count, block_starts, scales, out)
      .Write(signs, 0, count);
}

void AddWeightedSigns(const uint64_t* signs, uint64_t count,
                      absl::Span<const uint64_t> block_starts,
                      absl::Span<const float> scales, float weight,
                      float* sum) {
  size_t block = 0;
  ForEachSignedScaleIn(
      signs, 0, count, block_starts, scales, &block, weight,
      [sum](uint64_t i, auto four) {
        _mm_storeu_ps(sum + i, _mm_add_ps(_mm_loadu_ps(sum + i), four));
      },
      [sum](uint64_t i, float value) { sum[i] += value; });
}

namespace {

// SubtractSignedScale over [begin, end) (`begin` a multiple of 4, `bits`
// those of the scale), four coordinates at a time.
void SubtractSignedScaleFrom(const float* p, const uint64_t* signs,
                             uint64_t begin, uint64_t end, uint32_t bits,
                             float* out, bool stream) {
  constexpr uint32_t kSignBit = 0x80000000u;
  uint64_t i = begin;
#if defined(__SSE2__)
  const __m128i value = _mm_set1_epi32(static_cast<int>(bits));
  for (; i + 4 <= end; i += 4) {
    const auto nibble = static_cast<size_t>((signs[i >> 6] >> (i & 63)) & 15);
    const __m128i masks = _mm_load_si128(
        reinterpret_cast<const __m128i*>(kNibbleSignMasks[nibble].data()));
    const __m128 delta = _mm_castsi128_ps(_mm_xor_si128(value, masks));
    const __m128 e = _mm_sub_ps(_mm_loadu_ps(p + i), delta);
    if (stream) {
      _mm_stream_ps(out + i, e);
    } else {
      _mm_storeu_ps(out + i, e);
    }
  }
#endif
  for (; i < end; ++i) {
    const auto negative =
        static_cast<uint32_t>((signs[i >> 6] >> (i & 63)) & 1);
    out[i] = p[i] - std::bit_cast<float>(bits ^ (negative * kSignBit));
  }
  (void)stream;
}

#if defined(__x86_64__)
// out[i] = p[i] - the signed scale (`value` its bits) from `start`, eight
// coordinates at a time while they fit before `count`; returns where it
// stopped.
template <bool kStream>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline uint64_t
SubtractEights(const float* p, const uint64_t* signs, uint64_t start,
               uint64_t count, __m256i value, float* out) {
  return ForEachEightSigns(
      signs, start, count,
      [&](uint64_t at, __m256i masks) __attribute__((
          target("avx2,bmi,bmi2,popcnt"), always_inline)) {
        StoreEight<kStream>(
            out + at,
            _mm256_sub_ps(_mm256_loadu_ps(p + at),
                          _mm256_castsi256_ps(_mm256_xor_si256(value, masks))));
      });
}

// SubtractSignedScale eight coordinates at a time; with streaming stores
// one step of four first where `out` is 16- but not 32-byte aligned.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void SubtractSignedScaleAvx2(
    const float* p, const uint64_t* signs, uint64_t count, uint32_t bits,
    float* out, bool stream) {
  const uint64_t start = std::min(count, EightStart(out, 0, stream));
  SubtractSignedScaleFrom(p, signs, 0, start, bits, out, stream);
  const __m256i value = _mm256_set1_epi32(static_cast<int>(bits));
  const uint64_t i =
      stream ? SubtractEights<true>(p, signs, start, count, value, out)
             : SubtractEights<false>(p, signs, start, count, value, out);
  _mm256_zeroupper();  // before SSE code: see SignWindow
  SubtractSignedScaleFrom(p, signs, i, count, bits, out, stream);
}
#endif

}  // namespace

void SubtractSignedScale(const float* p, const uint64_t* signs, uint64_t count,
                         float scale, float* out, bool stream) {
  const auto bits = std::bit_cast<uint32_t>(scale);
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) {
    SubtractSignedScaleAvx2(p, signs, count, bits, out, stream);
    return;
  }
#endif
  SubtractSignedScaleFrom(p, signs, 0, count, bits, out, stream);
}

}  // namespace gradcodec::internal
