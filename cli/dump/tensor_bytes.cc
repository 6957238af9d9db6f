#include "cli/dump/tensor_bytes.h"

#include <bit>
#include <cstring>

#include "gradcodec/half_float.h"

namespace gradcodec::cli {

void DecodeElements(const uint8_t* bytes, uint64_t count, DType dtype,
                    bool big_endian, float* out) {
  if (count == 0) return;  // `out` may be null (an empty tensor)
  switch (dtype) {
    case DType::kFloat32:
      if (!big_endian) {  // the host's own layout (little-endian only)
        std::memcpy(out, bytes, 4 * count);
        return;
      }
      for (uint64_t i = 0; i < count; ++i) {
        uint32_t bits;
        std::memcpy(&bits, bytes + 4 * i, 4);
        if (big_endian) bits = __builtin_bswap32(bits);
        out[i] = std::bit_cast<float>(bits);
      }
      return;
    case DType::kFloat16:
    case DType::kBFloat16:
      for (uint64_t i = 0; i < count; ++i) {
        uint16_t bits;
        std::memcpy(&bits, bytes + 2 * i, 2);
        if (big_endian) bits = __builtin_bswap16(bits);
        out[i] = dtype == DType::kFloat16 ? HalfToFloat(bits)
                                          : BFloat16ToFloat(bits);
      }
      return;
  }
}

void AppendElements(const std::vector<float>& values, DType dtype,
                    std::vector<uint8_t>* out) {
  const size_t start = out->size();
  if (values.empty()) return;  // values.data() may be null
  if (dtype == DType::kFloat32) {
    out->resize(start + 4 * values.size());
    std::memcpy(out->data() + start, values.data(), 4 * values.size());
    return;
  }
  out->resize(start + 2 * values.size());
  uint8_t* at = out->data() + start;
  for (float v : values) {
    const uint16_t bits =
        dtype == DType::kFloat16 ? FloatToHalf(v) : FloatToBFloat16(v);
    std::memcpy(at, &bits, 2);
    at += 2;
  }
}

void RoundToDType(DType dtype, std::vector<float>* values) {
  if (dtype == DType::kFloat16) {
    for (float& v : *values) v = HalfToFloat(FloatToHalf(v));
  } else if (dtype == DType::kBFloat16) {
    for (float& v : *values) v = BFloat16ToFloat(FloatToBFloat16(v));
  }
}

}  // namespace gradcodec::cli
