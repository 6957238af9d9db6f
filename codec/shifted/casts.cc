// fp16, bf16 and fp32 (spec/FORMAT.md section 11.11.5): every coordinate's
// value in a value format, as one byte stream of n little-endian values.
// fp16 and bf16 use the rans byte coder (which falls back to stored when
// that is not longer): the high bytes, sign and exponent, are far from
// uniform. fp32 is stored, or zstd when asked for.
#include <vector>

#include "codec/entropy/byte_stream_coder.h"
#include "codec/shifted/compressor_parts.h"
#include "codec/shifted/payload_parts.h"

namespace gradcodec::internal {
namespace {

ValueFormat CastFormat(Method method) {
  switch (method) {
    case Method::kFp16:
      return ValueFormat::kFp16;
    case Method::kBf16:
      return ValueFormat::kBf16;
    default:
      return ValueFormat::kFp32;
  }
}

ByteStreamOptions CastCoder(const CompressorConfig& config) {
  ByteStreamOptions options;
  if (config.method == Method::kFp32) {
    options.coder = config.zstd ? ByteCoder::kZstd : ByteCoder::kStored;
  }
  return options;
}

}  // namespace

void CompressCast(const CompressorConfig& config, absl::Span<const float> x,
                  std::vector<uint8_t>* payload, absl::Span<float> q) {
  const ValueFormat format = CastFormat(config.method);
  std::vector<uint8_t> bytes;
  bytes.reserve(x.size() * ValueWidth(format));
  NarrowValues(x, format, &bytes, q);
  EncodeByteStream(bytes, CastCoder(config), payload);
}

absl::Status DecompressCast(const CompressorConfig& config,
                            absl::Span<const uint8_t> payload,
                            absl::Span<float> q) {
  const ValueFormat format = CastFormat(config.method);
  std::vector<uint8_t> bytes;
  if (absl::Status s = ReadWholeByteStream(
          payload, "values", q.size() * ValueWidth(format), &bytes);
      !s.ok()) {
    return s;
  }
  return WidenValues(bytes, format, "values", q);
}

}  // namespace gradcodec::internal
