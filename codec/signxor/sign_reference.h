// The reference state of a signxor stream (spec/FORMAT.md, "Reference
// state"), held identically by encoder and decoder: the last transmitted
// signs, each coordinate's flip history, the flip models that
// `adaptive_flips` sections carry from packet to packet, and the
// fingerprint that names them. A key packet sets the signs and clears the
// history and the models; a delta packet XORs its flips into the signs,
// pushes them into the history and leaves the models as its flips left
// them (none after a `flips` section).
//
// The fingerprint is a chain: after a key packet, XXH3-64 of its `signs`
// payload with seed 0; after a delta, XXH3-64 of its flips payload with the
// previous fingerprint as the seed, XORed with the section type for an
// `adaptive_flips` section (so that equal bytes in the two section types
// chain apart). Since the state follows from those payloads, equal
// fingerprints mean equal states, and computing one costs a hash of the
// payload, not of the state.
#ifndef GRADCODEC_CODEC_SIGNXOR_SIGN_REFERENCE_H_
#define GRADCODEC_CODEC_SIGNXOR_SIGN_REFERENCE_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "codec/entropy/adaptive_context_coder.h"
#include "codec/signxor/flip_history.h"

namespace gradcodec::internal {

struct SignReference {
  std::vector<uint64_t> signs;   // BitWords(count) words
  FlipHistory history;
  MixedModels flip_models;  // empty unless the last delta's were adaptive
  uint64_t fingerprint = 0;

  void ApplyKey(const uint64_t* key_signs, uint64_t count,
                absl::Span<const uint8_t> signs_payload);
  // `new_signs` are the reference signs XOR the flips, which the caller
  // has already formed to reconstruct from: they are swapped in (the
  // vector receives the old signs) rather than XORed a second time. The
  // flips are swapped into the history likewise (the vector receives a
  // dropped plane): both vectors come back as scratch of the same size.
  // `section_type` is the flips' section (kFlipsSection,
  // kAdaptiveFlipsSection or kGroupedFlipsSection); `models`, for
  // adaptive flips, the flip models as its bits left them, swapped in
  // likewise.
  void ApplyDelta(std::vector<uint64_t>& new_signs,
                  std::vector<uint64_t>& flips, uint8_t section_type,
                  absl::Span<const uint8_t> flips_payload,
                  MixedModels& models);
};

// XXH3-64 of `payload` with `seed` (spec: the fingerprint chain).
uint64_t ChainFingerprint(uint64_t seed, absl::Span<const uint8_t> payload);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SIGNXOR_SIGN_REFERENCE_H_
