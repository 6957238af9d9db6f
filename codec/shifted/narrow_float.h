// float32 to IEEE binary16 and bfloat16 for the values of the shifted
// methods (spec/FORMAT.md section 11.11). Narrowing rounds to nearest, ties
// to even, like numpy and PyTorch, but saturates: a finite float32 beyond
// the narrow format's range becomes its largest finite value of the same
// sign rather than an infinity, because a compressed gradient coordinate
// that turned infinite would poison every shift and error memory
// downstream. Widening is gradcodec/half_float.h's, exact.
#ifndef GRADCODEC_CODEC_SHIFTED_NARROW_FLOAT_H_
#define GRADCODEC_CODEC_SHIFTED_NARROW_FLOAT_H_

#include <cstdint>

namespace gradcodec::internal {

// `value` must be finite.
uint16_t FloatToHalfSaturating(float value);
uint16_t FloatToBFloat16Saturating(float value);

inline bool HalfBitsFinite(uint16_t half) { return (half & 0x7C00u) != 0x7C00u; }

inline bool BFloat16BitsFinite(uint16_t bf16) {
  return (bf16 & 0x7F80u) != 0x7F80u;
}

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_NARROW_FLOAT_H_
