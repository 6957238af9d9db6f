#include "codec/sign/sign_quantizer.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace gradcodec::internal {

void PackSigns(absl::Span<const float> p, uint64_t* signs) {
  const float* const in = p.data();  // raw: Span indexing is checked
  const uint64_t n = p.size();
  uint64_t w = 0;
  for (; (w + 1) * 64 <= n; ++w) {
    uint64_t word = 0;
    for (int k = 0; k < 64; ++k) {
      word |= static_cast<uint64_t>(in[w * 64 + k] < 0) << k;
    }
    signs[w] = word;
  }
  if (w * 64 < n) {
    uint64_t word = 0;
    for (uint64_t i = w * 64; i < n; ++i) {
      word |= static_cast<uint64_t>(in[i] < 0) << (i - w * 64);
    }
    signs[w] = word;
  }
}

void BestBlockScales(absl::Span<const float> p, const uint64_t* signs,
                     absl::Span<const uint64_t> block_starts, float* alphas) {
  const float* const in = p.data();
  for (size_t b = 0; b + 1 < block_starts.size(); ++b) {
    const uint64_t begin = block_starts[b];
    const uint64_t end = block_starts[b + 1];
    double sum = 0;
    for (uint64_t i = begin; i < end; ++i) {
      const double v = in[i];
      sum += ((signs[i >> 6] >> (i & 63)) & 1) != 0 ? -v : v;
    }
    alphas[b] = static_cast<float>(
        std::max(0.0, sum / static_cast<double>(end - begin)));
  }
}

void MeanAbsoluteBlockScales(absl::Span<const float> p,
                             absl::Span<const uint64_t> block_starts,
                             float* alphas) {
  const float* const in = p.data();
  for (size_t b = 0; b + 1 < block_starts.size(); ++b) {
    const uint64_t begin = block_starts[b];
    const uint64_t end = block_starts[b + 1];
    double sum = 0;
    for (uint64_t i = begin; i < end; ++i) sum += std::fabs(in[i]);
    alphas[b] = static_cast<float>(sum / static_cast<double>(end - begin));
  }
}

void ReconstructSigns(const uint64_t* signs, uint64_t count,
                      absl::Span<const uint64_t> block_starts,
                      absl::Span<const float> scales, float* out) {
  constexpr uint32_t kSignBit = 0x80000000u;
  auto fill = [&](uint64_t begin, uint64_t end, float scale) {
    const auto bits = std::bit_cast<uint32_t>(scale);
    for (uint64_t i = begin; i < end; ++i) {
      const auto negative =
          static_cast<uint32_t>((signs[i >> 6] >> (i & 63)) & 1);
      out[i] = std::bit_cast<float>(bits ^ (negative * kSignBit));
    }
  };
  if (block_starts.empty()) {
    fill(0, count, 1.0f);
    return;
  }
  for (size_t b = 0; b + 1 < block_starts.size(); ++b) {
    fill(block_starts[b], block_starts[b + 1], scales[b]);
  }
}

}  // namespace gradcodec::internal
