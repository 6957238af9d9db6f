#include "codec/signxor/flip_history.h"

namespace gradcodec::internal {

void FlipContexts(const uint8_t* history, uint64_t count,
                  uint32_t history_bits, uint8_t* contexts) {
  const auto mask = static_cast<uint8_t>((1u << history_bits) - 1);
  for (uint64_t i = 0; i < count; ++i) contexts[i] = history[i] & mask;
}

void PushFlips(const uint64_t* flips, uint64_t count, uint8_t* history) {
  for (uint64_t i = 0; i < count; ++i) {
    history[i] = static_cast<uint8_t>((history[i] << 1) |
                                      ((flips[i >> 6] >> (i & 63)) & 1));
  }
}

}  // namespace gradcodec::internal
