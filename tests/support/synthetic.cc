#include "synthetic.h"

#include <cmath>

namespace gradcodec::testing {

std::vector<uint64_t> SyntheticBits(uint64_t count, double p, uint64_t seed) {
  std::vector<uint64_t> words((count + 63) / 64, 0);
  SplitMix64 rng(seed);
  if (p <= 0) return words;
  if (p >= 1) {
    for (uint64_t i = 0; i < count; ++i) words[i >> 6] |= uint64_t{1} << (i & 63);
    return words;
  }
  // Geometric gaps between ones: fast for sparse bits, exact for any p.
  const double log_q = std::log1p(-p);
  uint64_t position = 0;
  while (true) {
    const double u = 1.0 - rng.NextDouble();  // (0, 1]
    const double gap = std::floor(std::log(u) / log_q);
    if (gap >= static_cast<double>(count - position)) break;
    position += static_cast<uint64_t>(gap);
    words[position >> 6] |= uint64_t{1} << (position & 63);
    if (++position >= count) break;
  }
  return words;
}

std::vector<float> SyntheticGradient(uint64_t count, uint64_t seed) {
  std::vector<float> values(count);
  SplitMix64 rng(seed);
  for (float& v : values) {
    // A Laplace-like body with a scale that varies by coordinate.
    const double u = rng.NextDouble() - 0.5;
    const double scale = 1e-3 * (1.0 + 9.0 * rng.NextDouble());
    const double magnitude = -std::log(1.0 - 2.0 * std::fabs(u) + 1e-300);
    v = static_cast<float>((u < 0 ? -1.0 : 1.0) * scale * magnitude);
  }
  return values;
}

}  // namespace gradcodec::testing
