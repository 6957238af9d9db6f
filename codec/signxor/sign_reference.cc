#include "codec/signxor/sign_reference.h"

#include <xxhash.h>

#include <algorithm>

#include "codec/method_sections.h"

namespace gradcodec::internal {

uint64_t ChainFingerprint(uint64_t seed, absl::Span<const uint8_t> payload) {
  return XXH3_64bits_withSeed(payload.data(), payload.size(), seed);
}

void SignReference::ApplyKey(const uint64_t* key_signs, uint64_t count,
                             absl::Span<const uint8_t> signs_payload) {
  const uint64_t words = (count + 63) / 64;
  signs.assign(key_signs, key_signs + words);
  history.Reset(count);
  flip_models.Clear();
  fingerprint = ChainFingerprint(0, signs_payload);
}

void SignReference::ApplyDelta(std::vector<uint64_t>& new_signs,
                               std::vector<uint64_t>& flips,
                               uint8_t section_type,
                               absl::Span<const uint8_t> flips_payload,
                               MixedModels& models) {
  signs.swap(new_signs);
  history.Push(flips);
  if (section_type == kAdaptiveFlipsSection) {
    std::swap(flip_models, models);
    fingerprint = ChainFingerprint(fingerprint ^ kAdaptiveFlipsSection,
                                   flips_payload);
  } else if (section_type == kGroupedFlipsSection) {
    flip_models.Clear();
    fingerprint =
        ChainFingerprint(fingerprint ^ kGroupedFlipsSection, flips_payload);
  } else {
    flip_models.Clear();
    fingerprint = ChainFingerprint(fingerprint, flips_payload);
  }
}

}  // namespace gradcodec::internal
