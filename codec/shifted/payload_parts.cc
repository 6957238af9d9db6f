#include "codec/shifted/payload_parts.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/shifted/narrow_float.h"
#include "format/byte_writer.h"
#include "gradcodec/error_code.h"
#include "gradcodec/half_float.h"

namespace gradcodec::internal {

uint64_t ValueWidth(ValueFormat format) {
  return format == ValueFormat::kFp32 ? 4 : 2;
}

// Runs once per coordinate of a cast method: the format is switched on
// once, outside the loops, and bytes go straight into a buffer sized up
// front rather than through a writer's per-value bookkeeping (fp32 encodes
// about 1.5x as fast, bench/codec_bench BM_Encode/11).
void NarrowValues(absl::Span<const float> values, ValueFormat format,
                  std::vector<uint8_t>* bytes, absl::Span<float> widened) {
  const size_t start = bytes->size();
  bytes->resize(start + values.size() * ValueWidth(format));
  uint8_t* p = bytes->data() + start;
  switch (format) {
    case ValueFormat::kFp32:
      for (size_t i = 0; i < values.size(); ++i, p += 4) {
        const uint32_t bits = std::bit_cast<uint32_t>(values[i]);
        p[0] = static_cast<uint8_t>(bits);
        p[1] = static_cast<uint8_t>(bits >> 8);
        p[2] = static_cast<uint8_t>(bits >> 16);
        p[3] = static_cast<uint8_t>(bits >> 24);
      }
      std::copy(values.begin(), values.end(), widened.begin());
      break;
    case ValueFormat::kFp16:
      for (size_t i = 0; i < values.size(); ++i, p += 2) {
        const uint16_t half = FloatToHalfSaturating(values[i]);
        p[0] = static_cast<uint8_t>(half);
        p[1] = static_cast<uint8_t>(half >> 8);
        widened[i] = HalfToFloat(half);
      }
      break;
    case ValueFormat::kBf16:
      for (size_t i = 0; i < values.size(); ++i, p += 2) {
        const uint16_t bf16 = FloatToBFloat16Saturating(values[i]);
        p[0] = static_cast<uint8_t>(bf16);
        p[1] = static_cast<uint8_t>(bf16 >> 8);
        widened[i] = BFloat16ToFloat(bf16);
      }
      break;
  }
}

absl::Status WidenValues(absl::Span<const uint8_t> bytes, ValueFormat format,
                         absl::string_view field, absl::Span<float> values) {
  const uint64_t width = ValueWidth(format);
  if (bytes.size() != values.size() * width) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("`", field, "` holds ", bytes.size(),
                                  " bytes; ", values.size(), " values need ",
                                  values.size() * width));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const uint8_t* p = bytes.data() + i * width;
    float value = 0;
    if (width == 4) {
      value = std::bit_cast<float>(
          static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
          static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24);
    } else {
      const auto bits = static_cast<uint16_t>(p[0] | p[1] << 8);
      value = format == ValueFormat::kFp16 ? HalfToFloat(bits)
                                           : BFloat16ToFloat(bits);
    }
    if (!std::isfinite(value)) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("`", field, "` value ", i,
                                    " is not finite"));
    }
    values[i] = value;
  }
  return absl::OkStatus();
}

void WritePrefixedByteStream(absl::Span<const uint8_t> symbols,
                             const ByteStreamOptions& options,
                             std::vector<uint8_t>* out) {
  std::vector<uint8_t> stream;
  EncodeByteStream(symbols, options, &stream);
  ByteWriter(out).WriteLengthPrefixed(stream);
}

absl::Status ReadWholeByteStream(absl::Span<const uint8_t> payload,
                                 absl::string_view field, uint64_t expected,
                                 std::vector<uint8_t>* symbols) {
  if (absl::Status s = DecodeByteStream(payload, expected, symbols); !s.ok()) {
    return s;
  }
  if (symbols->size() != expected) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("byte stream `", field, "` holds ",
                                  symbols->size(), " symbols; it must hold ",
                                  expected));
  }
  return absl::OkStatus();
}

absl::Status ReadPrefixedByteStream(ByteReader& reader,
                                    absl::string_view field,
                                    uint64_t expected,
                                    std::vector<uint8_t>* symbols) {
  absl::Span<const uint8_t> stream;
  if (absl::Status s =
          reader.ReadLengthPrefixed(field, reader.remaining(), &stream);
      !s.ok()) {
    return s;
  }
  return ReadWholeByteStream(stream, field, expected, symbols);
}

void WriteSignBits(absl::Span<const uint64_t> words, uint64_t count,
                   std::vector<uint8_t>* out) {
  ContextBitOptions options;
  // Signs of gradient coordinates are close to fair coins: the adaptive
  // coder's lack of side information beats a table.
  options.coder = BitCoder::kAdaptive;
  EncodeContextBits(words, count, {}, 1, options, out);
}

absl::Status ReadSignBits(absl::Span<const uint8_t> payload, uint64_t count,
                          std::vector<uint64_t>* words) {
  words->resize(BitWords(count));
  return DecodeContextBits(payload, {}, 1, count, absl::MakeSpan(*words));
}

}  // namespace gradcodec::internal
