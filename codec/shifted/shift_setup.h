// The `shift_setup` section payload (spec/FORMAT.md section 11.10.2):
//
//   u8 shift_rule | u8 value_format | u8 levels | varint k | u32 alpha
//   (float32 bits) | u64 seed
//
// Fields a method or rule does not use must be 0, so every setup has one
// encoding and its fingerprint identifies it.
#ifndef GRADCODEC_CODEC_SHIFTED_SHIFT_SETUP_H_
#define GRADCODEC_CODEC_SHIFTED_SHIFT_SETUP_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "codec/shifted/shifted_stream.h"

namespace gradcodec::internal {

void SerializeShiftSetup(const ShiftedSetup& setup, std::vector<uint8_t>* out);

// Parses a payload for `method` and n coordinates, with the dither blocks
// `block_starts`; the fixed shift is not part of it (the caller reads the
// `fixed_shift` section). Checks, in order: each field's range
// (INVALID_FIELD naming it; TRUNCATED, MALFORMED_VARINT from the reader),
// TRAILING_BYTES, then the rule's combination with the compressor
// (INVALID_FIELD `shift_rule`).
absl::StatusOr<ShiftedSetup> ParseShiftSetup(absl::Span<const uint8_t> payload,
                                             Method method, uint64_t n,
                                             std::vector<uint64_t> block_starts);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_SHIFT_SETUP_H_
