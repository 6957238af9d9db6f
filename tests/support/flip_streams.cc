#include "flip_streams.h"

#include <algorithm>
#include <cmath>

namespace gradcodec::testing {

FlipStream MakeFlipStream(const std::vector<std::vector<float>>& steps,
                          uint32_t block_size, float momentum,
                          uint32_t history_bits) {
  FlipStream stream;
  stream.context_count = 1u << history_bits;
  if (steps.empty()) return stream;
  const size_t n = steps[0].size();
  std::vector<float> m(n, 0), e(n, 0), p(n);
  std::vector<uint8_t> sign(n, 0), history(n, 0);
  const auto mask = static_cast<uint8_t>(stream.context_count - 1);
  for (size_t t = 0; t < steps.size(); ++t) {
    const std::vector<float>& g = steps[t];
    for (size_t i = 0; i < n; ++i) {
      m[i] = momentum * m[i] + g[i];
      p[i] = momentum * m[i] + g[i] + e[i];  // Nesterov, then feedback
    }
    for (size_t begin = 0; begin < n; begin += block_size) {
      const size_t end = std::min(n, begin + block_size);
      double l1 = 0;
      for (size_t i = begin; i < end; ++i) l1 += std::fabs(p[i]);
      const auto alpha = static_cast<float>(l1 / static_cast<double>(end - begin));
      for (size_t i = begin; i < end; ++i) {
        const uint8_t s = p[i] >= 0 ? 1 : 0;
        if (t > 0) {
          const uint8_t flip = s ^ sign[i];
          const uint64_t index = stream.count++;
          if ((index & 63) == 0) stream.flips.push_back(0);
          stream.flips.back() |= static_cast<uint64_t>(flip) << (index & 63);
          stream.contexts.push_back(history[i]);
          history[i] = static_cast<uint8_t>(((history[i] << 1) | flip) & mask);
        }
        sign[i] = s;
        e[i] = p[i] - (s ? alpha : -alpha);
      }
    }
  }
  return stream;
}

}  // namespace gradcodec::testing
