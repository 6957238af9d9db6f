// Frozen-seed synthetic data for tests and benches (DESIGN.md section 6):
// the same seed gives the same data on every platform and in every run.
#ifndef GRADCODEC_TESTS_SUPPORT_SYNTHETIC_H_
#define GRADCODEC_TESTS_SUPPORT_SYNTHETIC_H_

#include <cstdint>
#include <vector>

namespace gradcodec::testing {

// SplitMix64: tiny, fast and fully specified, unlike std:: distributions
// whose output differs between standard libraries.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// `count` i.i.d. bits with P(1) = p, packed LSB-first in 64-bit words.
std::vector<uint64_t> SyntheticBits(uint64_t count, double p, uint64_t seed);

// `count` gradient-like floats: a heavy-tailed mix (most coordinates small,
// a few large), the shape of real gradients, for sizes up to 100M.
std::vector<float> SyntheticGradient(uint64_t count, uint64_t seed);

}  // namespace gradcodec::testing

#endif  // GRADCODEC_TESTS_SUPPORT_SYNTHETIC_H_
