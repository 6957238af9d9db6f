#include "codec/sign/sign_quantizer.h"

#include <array>
#include <bit>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

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

// Calls write(i, value) for four coordinates at a time (value: four floats
// holding +-scale by their sign bits) and write_one for the ragged ends, for
// every block. The shared loop of reconstruction and weighted sums.
template <typename WriteFour, typename WriteOne>
void ForEachSignedScale(const uint64_t* signs, uint64_t count,
                        absl::Span<const uint64_t> block_starts,
                        absl::Span<const float> scales, float weight,
                        WriteFour write_four, WriteOne write_one) {
  constexpr uint32_t kSignBit = 0x80000000u;
  auto fill = [&](uint64_t begin, uint64_t end, float scale) {
    const auto bits = std::bit_cast<uint32_t>(weight * scale);
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
  };
  if (block_starts.empty()) {
    fill(0, count, 1.0f);
    return;
  }
  for (size_t b = 0; b + 1 < block_starts.size(); ++b) {
    fill(block_starts[b], block_starts[b + 1], scales[b]);
  }
}

}  // namespace

void ReconstructSigns(const uint64_t* signs, uint64_t count,
                      absl::Span<const uint64_t> block_starts,
                      absl::Span<const float> scales, float* out) {
  // Weight 1: the scale itself, with the coordinate's sign. Four floats
  // at a time from an index that is a multiple of 4: aligned when `out` is.
  if (UseStreamingStores(out, count)) {
    ForEachSignedScale(
        signs, count, block_starts, scales, 1.0f,
        [out](uint64_t i, auto four) { _mm_stream_ps(out + i, four); },
        [out](uint64_t i, float value) { out[i] = value; });
    FinishStreamingStores();
    return;
  }
  ForEachSignedScale(
      signs, count, block_starts, scales, 1.0f,
      [out](uint64_t i, auto four) { _mm_storeu_ps(out + i, four); },
      [out](uint64_t i, float value) { out[i] = value; });
}

void AddWeightedSigns(const uint64_t* signs, uint64_t count,
                      absl::Span<const uint64_t> block_starts,
                      absl::Span<const float> scales, float weight,
                      float* sum) {
  ForEachSignedScale(
      signs, count, block_starts, scales, weight,
      [sum](uint64_t i, auto four) {
        _mm_storeu_ps(sum + i, _mm_add_ps(_mm_loadu_ps(sum + i), four));
      },
      [sum](uint64_t i, float value) { sum[i] += value; });
}

void SubtractSignedScale(const float* p, const uint64_t* signs, uint64_t count,
                         float scale, float* out, bool stream) {
  constexpr uint32_t kSignBit = 0x80000000u;
  const auto bits = std::bit_cast<uint32_t>(scale);
  uint64_t i = 0;
#if defined(__SSE2__)
  const __m128i value = _mm_set1_epi32(static_cast<int>(bits));
  for (; i + 4 <= count; i += 4) {
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
  for (; i < count; ++i) {
    const auto negative =
        static_cast<uint32_t>((signs[i >> 6] >> (i & 63)) & 1);
    out[i] = p[i] - std::bit_cast<float>(bits ^ (negative * kSignBit));
  }
  (void)stream;
}

}  // namespace gradcodec::internal
