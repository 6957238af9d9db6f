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

#include "codec/bit_window.h"
#include "codec/entropy/cpu_features.h"

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
// Lane k is the float sign bit when bit k of `byte` is set: the byte in
// every lane, shifted so that bit k lands on bit 31 of lane k (the bits
// above it shift out, those below are masked off). Cheaper than a table of
// 256 32-byte entries, which would crowd the cache.
//
// The AVX2 loops here end in _mm256_zeroupper() before the portable code
// does their ends: GCC 12 emits no vzeroupper of its own in these
// functions, and SSE code run with the upper halves dirty took the decode
// from 16 to 25 ms.
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256i
ByteSignMasks(uint32_t byte) {
  const __m256i to_top = _mm256_setr_epi32(31, 30, 29, 28, 27, 26, 25, 24);
  return _mm256_and_si256(
      _mm256_sllv_epi32(_mm256_set1_epi32(static_cast<int>(byte)), to_top),
      _mm256_set1_epi32(static_cast<int>(0x80000000u)));
}

// Eight floats +-scale (`value`: the scale's bits in every lane) by the
// sign bits of coordinates i to i + 7 (all below the vector's count; the
// bits after them, which BitsAt leaves above, ByteSignMasks shifts out).
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256
SignedScaleEight(const uint64_t* signs, uint64_t i, __m256i value) {
  return _mm256_castsi256_ps(_mm256_xor_si256(
      value, ByteSignMasks(static_cast<uint32_t>(BitsAt<8>(signs, i)))));
}

// The first coordinate from `begin` where the AVX2 loops start: a multiple
// of 8, or with streaming stores the one whose float in `out` (16-byte
// aligned) is 32-byte aligned, as _mm256_stream_ps needs.
inline uint64_t EightStart(const float* out, uint64_t begin, bool stream) {
  const uint64_t phase =
      stream ? (8 - reinterpret_cast<uintptr_t>(out) / 4 % 8) % 8 : 0;
  return begin + (phase - begin % 8 + 8) % 8;
}

// ReconstructSigns' fill of one block eight floats at a time, the ends by
// FillSignedScale.
template <bool kStream>
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void FillBlockAvx2(
    const uint64_t* signs, uint64_t begin, uint64_t end, float scale,
    float* out) {
  const auto bits = std::bit_cast<uint32_t>(scale);
  const auto write_four = [out](uint64_t i, __m128 four) {
    if constexpr (kStream) {
      _mm_stream_ps(out + i, four);
    } else {
      _mm_storeu_ps(out + i, four);
    }
  };
  const auto write_one = [out](uint64_t i, float value) { out[i] = value; };
  const uint64_t start = std::min(end, EightStart(out, begin, kStream));
  FillSignedScale(signs, begin, start, bits, write_four, write_one);
  const __m256i value = _mm256_set1_epi32(static_cast<int>(bits));
  uint64_t i = start;
  for (; i + 8 <= end; i += 8) {
    const __m256 eight = SignedScaleEight(signs, i, value);
    if constexpr (kStream) {
      _mm256_stream_ps(out + i, eight);
    } else {
      _mm256_storeu_ps(out + i, eight);
    }
  }
  _mm256_zeroupper();  // before SSE code: see ByteSignMasks
  FillSignedScale(signs, i, end, bits, write_four, write_one);
}

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
    ForEachBlockIn(first, end, block_starts_, scales_, &block_,
                   [&](uint64_t begin, uint64_t stop, float scale) {
                     if (stream_) {
                       FillBlockAvx2<true>(signs, begin, stop, scale, out);
                     } else {
                       FillBlockAvx2<false>(signs, begin, stop, scale, out);
                     }
                   });
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
// SubtractSignedScale eight coordinates at a time; with streaming stores
// one step of four first where `out` is 16- but not 32-byte aligned.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void SubtractSignedScaleAvx2(
    const float* p, const uint64_t* signs, uint64_t count, uint32_t bits,
    float* out, bool stream) {
  const uint64_t start = std::min(count, EightStart(out, 0, stream));
  SubtractSignedScaleFrom(p, signs, 0, start, bits, out, stream);
  const __m256i value = _mm256_set1_epi32(static_cast<int>(bits));
  uint64_t i = start;
  for (; i + 8 <= count; i += 8) {
    const __m256 e = _mm256_sub_ps(_mm256_loadu_ps(p + i),
                                   SignedScaleEight(signs, i, value));
    if (stream) {
      _mm256_stream_ps(out + i, e);
    } else {
      _mm256_storeu_ps(out + i, e);
    }
  }
  _mm256_zeroupper();  // before SSE code: see ByteSignMasks
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
