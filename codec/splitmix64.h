// SplitMix64 (Steele, Lea and Flood, 2014): the seeded generator behind
// everything in gradcodec that must be reproducible bit for bit, in any
// process and on any platform: synthetic test data, spec test vectors, and
// the randomness both sides of a stream derive from a shared seed. Unlike
// the std:: distributions, its output is fully specified.
#ifndef GRADCODEC_CODEC_SPLITMIX64_H_
#define GRADCODEC_CODEC_SPLITMIX64_H_

#include <cstdint>

namespace gradcodec::internal {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, 1), from the top 53 bits of Next().
  double NextDouble() {
    return static_cast<double>(Next() >> 11) * 0x1.0p-53;
  }

 private:
  uint64_t state_;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SPLITMIX64_H_
