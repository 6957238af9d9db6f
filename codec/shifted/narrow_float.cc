#include "codec/shifted/narrow_float.h"

#include "gradcodec/half_float.h"

namespace gradcodec::internal {

// Both round as numpy does (gradcodec/half_float.h), then saturate.
uint16_t FloatToHalfSaturating(float value) {
  const uint16_t half = FloatToHalf(value);
  // A finite value that rounded to infinity: the largest finite half.
  if ((half & 0x7FFFu) == 0x7C00u) {
    return static_cast<uint16_t>((half & 0x8000u) | 0x7BFFu);
  }
  return half;
}

uint16_t FloatToBFloat16Saturating(float value) {
  const uint16_t narrow = FloatToBFloat16(value);
  // A finite value that rounded to infinity: the largest finite bfloat16.
  if ((narrow & 0x7FFFu) == 0x7F80u) {
    return static_cast<uint16_t>((narrow & 0x8000u) | 0x7F7Fu);
  }
  return narrow;
}

}  // namespace gradcodec::internal
