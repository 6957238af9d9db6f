// Sign-flip streams as the SignXOR codec will produce them, for testing and
// benchmarking the context coders on real gradients before the codec
// exists: Nesterov momentum, error feedback and blockwise scaled sign
// (DESIGN.md section 1), then the flips of consecutive transmitted signs
// with each coordinate's recent flip history as the context.
#ifndef GRADCODEC_TESTS_SUPPORT_FLIP_STREAMS_H_
#define GRADCODEC_TESTS_SUPPORT_FLIP_STREAMS_H_

#include <cstdint>
#include <vector>

namespace gradcodec::testing {

struct FlipStream {
  std::vector<uint64_t> flips;    // packed, one bit per coordinate and step
  std::vector<uint8_t> contexts;  // the coordinate's last `history` flips
  uint64_t count = 0;
  uint32_t context_count = 0;
};

// Flips of steps 1.. of `steps` (each one vector of all coordinates),
// concatenated step after step.
FlipStream MakeFlipStream(const std::vector<std::vector<float>>& steps,
                          uint32_t block_size, float momentum,
                          uint32_t history_bits);

}  // namespace gradcodec::testing

#endif  // GRADCODEC_TESTS_SUPPORT_FLIP_STREAMS_H_
