// The randomness of the shifted methods (spec/FORMAT.md section 11.10): a
// SplitMix64 generator per packet, derived from the stream's `seed` and the
// packet's `sequence`, so that a receiver derives the rand_k indices the
// sender used without any being sent, and a stream is reproducible from
// its seed.
#ifndef GRADCODEC_CODEC_SHIFTED_PACKET_RANDOM_H_
#define GRADCODEC_CODEC_SHIFTED_PACKET_RANDOM_H_

#include <cstdint>

#include "absl/numeric/int128.h"
#include "codec/splitmix64.h"

namespace gradcodec::internal {

// The generator both sides use for packet `sequence` of a stream with
// `seed`: SplitMix64 whose state starts at seed XOR M(sequence), where
// M(q) is the first output of SplitMix64 started at q. Mixing the sequence
// first keeps the streams of neighbouring packets from overlapping (two
// SplitMix64 states a small multiple of the increment apart would).
inline SplitMix64 SharedPacketRandom(uint64_t seed, uint64_t sequence) {
  return SplitMix64(seed ^ SplitMix64(sequence).Next());
}

// The encoder's own randomness for packet `sequence` (stochastic rounding,
// Rand-DIANA's coin): not needed by a receiver, which reads the outcome
// from the packet, but seeded the same way so a stream's bytes depend only
// on its inputs and seed. A distinct constant keeps it apart from the
// shared generator.
inline SplitMix64 EncoderPacketRandom(uint64_t seed, uint64_t sequence) {
  return SplitMix64(seed ^ SplitMix64(sequence).Next() ^
                    0x5851F42D4C957F2Dull);
}

// Uniform in [0, m) for m >= 1: the high 64 bits of the 128-bit product
// Next() * m (spec: `Uniform`). The bias, below m / 2^64, is far below
// anything a training run can see, and unlike rejection sampling it takes
// exactly one output per draw, which keeps the specification simple.
inline uint64_t UniformBelow(SplitMix64& random, uint64_t m) {
  return absl::Uint128High64(absl::uint128(random.Next()) * m);
}

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_PACKET_RANDOM_H_
