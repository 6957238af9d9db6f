// Frozen-seed synthetic data for tests and benches (DESIGN.md section 6):
// the same seed gives the same data on every platform and in every run
// (codec/splitmix64.h).
#ifndef GRADCODEC_TESTS_SUPPORT_SYNTHETIC_H_
#define GRADCODEC_TESTS_SUPPORT_SYNTHETIC_H_

#include <cstdint>
#include <vector>

#include "codec/splitmix64.h"

namespace gradcodec::testing {

using internal::SplitMix64;

// `count` i.i.d. bits with P(1) = p, packed LSB-first in 64-bit words.
std::vector<uint64_t> SyntheticBits(uint64_t count, double p, uint64_t seed);

// `count` gradient-like floats: a heavy-tailed mix (most coordinates small,
// a few large), the shape of real gradients, for sizes up to 100M.
std::vector<float> SyntheticGradient(uint64_t count, uint64_t seed);

}  // namespace gradcodec::testing

#endif  // GRADCODEC_TESTS_SUPPORT_SYNTHETIC_H_
