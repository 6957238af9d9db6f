// The reference state of a signxor stream (spec/FORMAT.md, "Reference
// state"), held identically by encoder and decoder: the last transmitted
// signs, each coordinate's flip history and the fingerprint that names
// them. A key packet sets the signs and clears the history; a delta packet
// XORs its flips into the signs and pushes them into the history.
//
// The fingerprint is a chain: after a key packet, XXH3-64 of its `signs`
// payload with seed 0; after a delta, XXH3-64 of its `flips` payload with
// the previous fingerprint as the seed. Since the state follows from those
// payloads, equal fingerprints mean equal states, and computing one costs a
// hash of the payload, not of the state.
#ifndef GRADCODEC_CODEC_SIGNXOR_SIGN_REFERENCE_H_
#define GRADCODEC_CODEC_SIGNXOR_SIGN_REFERENCE_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "codec/signxor/flip_history.h"

namespace gradcodec::internal {

struct SignReference {
  std::vector<uint64_t> signs;   // BitWords(count) words
  FlipHistory history;
  uint64_t fingerprint = 0;

  void ApplyKey(const uint64_t* key_signs, uint64_t count,
                absl::Span<const uint8_t> signs_payload);
  // `new_signs` are the reference signs XOR the flips, which the caller
  // has already formed to reconstruct from: they are swapped in (the
  // vector receives the old signs) rather than XORed a second time. The
  // flips are swapped into the history likewise (the vector receives a
  // dropped plane): both vectors come back as scratch of the same size.
  void ApplyDelta(std::vector<uint64_t>& new_signs,
                  std::vector<uint64_t>& flips,
                  absl::Span<const uint8_t> flips_payload);
};

// XXH3-64 of `payload` with `seed` (spec: the fingerprint chain).
uint64_t ChainFingerprint(uint64_t seed, absl::Span<const uint8_t> payload);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SIGNXOR_SIGN_REFERENCE_H_
