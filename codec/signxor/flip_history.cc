#include "codec/signxor/flip_history.h"

#include <array>
#include <cstring>

namespace gradcodec::internal {
namespace {

// Byte k of kSpread[b] is bit k of b.
constexpr std::array<uint64_t, 256> MakeSpread() {
  std::array<uint64_t, 256> table{};
  for (int b = 0; b < 256; ++b) {
    for (int k = 0; k < 8; ++k) {
      table[b] |= static_cast<uint64_t>((b >> k) & 1) << (8 * k);
    }
  }
  return table;
}
constexpr std::array<uint64_t, 256> kSpread = MakeSpread();

}  // namespace

void FlipContexts(const uint8_t* history, uint64_t count,
                  uint32_t history_bits, uint8_t* contexts) {
  const auto mask = static_cast<uint8_t>((1u << history_bits) - 1);
  for (uint64_t i = 0; i < count; ++i) contexts[i] = history[i] & mask;
}

void PushFlips(const uint64_t* flips, uint64_t count, uint8_t* history) {
  // Eight histories as one word: shifting it left by one moves each byte's
  // flips up (bit 7 of a byte spills into the next byte's bit 0, which the
  // mask clears along with the flip that falls out of the six kept).
  constexpr uint64_t kKeep = 0x3E3E3E3E3E3E3E3Eull;
  const auto* flip_bytes = reinterpret_cast<const uint8_t*>(flips);  // LE
  uint64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    uint64_t h;
    std::memcpy(&h, history + i, 8);
    h = ((h << 1) & kKeep) | kSpread[flip_bytes[i / 8]];
    std::memcpy(history + i, &h, 8);
  }
  for (; i < count; ++i) {
    history[i] = static_cast<uint8_t>(
        ((history[i] << 1) & 0x3E) | ((flips[i >> 6] >> (i & 63)) & 1));
  }
}

}  // namespace gradcodec::internal
