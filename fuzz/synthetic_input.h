// Deterministic small inputs for fuzz seeds.
#ifndef GRADCODEC_FUZZ_SYNTHETIC_INPUT_H_
#define GRADCODEC_FUZZ_SYNTHETIC_INPUT_H_

#include <cstdint>
#include <vector>

#include "codec/splitmix64.h"

namespace gradcodec::fuzz {

// `count` floats of step `t` of a slowly changing series (so signs repeat
// from step to step, as signxor expects).
inline std::vector<float> SeedStep(uint64_t count, int t) {
  std::vector<float> out(count);
  internal::SplitMix64 base(7), noise(100 + static_cast<uint64_t>(t));
  for (auto& v : out) {
    v = static_cast<float>(base.NextDouble() - 0.5 +
                           0.3 * (noise.NextDouble() - 0.5));
  }
  return out;
}

}  // namespace gradcodec::fuzz

#endif  // GRADCODEC_FUZZ_SYNTHETIC_INPUT_H_
