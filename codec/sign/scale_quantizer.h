// Block scales of the sign methods (spec/FORMAT.md, "Block scales"): a
// scale alpha >= 0 travels as a `scale_code` on a logarithmic grid of 64
// steps per octave (at most 0.55% from the scale it stands for; error
// feedback absorbs the rest), and the codes of a packet as a byte stream of
// zigzag varint deltas. Reconstruction from a code is exact float32
// arithmetic (a table mantissa and a power of two), so every platform
// rebuilds the same scale.
#ifndef GRADCODEC_CODEC_SIGN_SCALE_QUANTIZER_H_
#define GRADCODEC_CODEC_SIGN_SCALE_QUANTIZER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace gradcodec::internal {

// Code 0 is a zero scale; code c in [1, kMaxScaleCode] is
// M[(c - 1) mod 64] * 2^((c - 1) div 64 - 126), M the table of
// kScaleMantissaBits: normal floats from 2^-126 to just under 2^128.
inline constexpr uint32_t kScaleStepsPerOctave = 64;
inline constexpr uint32_t kMaxScaleCode = 254 * kScaleStepsPerOctave;

// The code whose scale is nearest `alpha` in the logarithmic sense (the
// grid point within half a step). alpha must be finite and >= 0; below
// 2^-126 it is 0, and it saturates at the largest code. Deterministic on
// every platform (float comparisons only).
uint32_t QuantizeScale(float alpha);

// The scale of a code <= kMaxScaleCode.
float DequantizeScale(uint32_t code);

// Appends the `block_scales` payload for `codes`: u8 `scale_format` (1),
// then a byte stream (spec section 10.5) of the varints
// zigzag(code_k - code_(k-1)), code_(-1) = 0.
void EncodeScaleCodes(absl::Span<const uint32_t> codes,
                      std::vector<uint8_t>* out);

// Decodes exactly codes->size() codes. Errors: INVALID_FIELD (a
// `scale_format` other than 1, a code above kMaxScaleCode), CORRUPT_PAYLOAD
// (a varint that runs past the stream, bytes left over), and the byte
// stream's own errors.
absl::Status DecodeScaleCodes(absl::Span<const uint8_t> payload,
                              absl::Span<uint32_t> codes);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SIGN_SCALE_QUANTIZER_H_
