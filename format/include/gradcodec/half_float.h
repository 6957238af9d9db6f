// IEEE binary16 and bfloat16 (DType kFloat16 and kBFloat16) to and from
// float32, exactly as numpy and PyTorch convert: widening is exact;
// narrowing rounds to nearest, ties to even, keeps infinities, and keeps
// NaN a (quiet) NaN.
#ifndef GRADCODEC_HALF_FLOAT_H_
#define GRADCODEC_HALF_FLOAT_H_

#include <cstdint>

namespace gradcodec {

float HalfToFloat(uint16_t half);
uint16_t FloatToHalf(float value);

float BFloat16ToFloat(uint16_t bf16);
uint16_t FloatToBFloat16(float value);

}  // namespace gradcodec

#endif  // GRADCODEC_HALF_FLOAT_H_
