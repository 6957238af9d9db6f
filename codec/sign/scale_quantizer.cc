#include "codec/sign/scale_quantizer.h"

#include <array>
#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "codec/entropy/byte_stream_coder.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

// Spec: `scale_format` 1.
constexpr uint8_t kLogGridScaleFormat = 1;

// M[k] = 2^(k/64) rounded to the nearest float32, as bit patterns (spec
// table "Scale mantissas").
constexpr uint32_t kScaleMantissaBits[kScaleStepsPerOctave] = {
    0x3F800000, 0x3F8164D2, 0x3F82CD87, 0x3F843A29,
    0x3F85AAC3, 0x3F871F62, 0x3F88980F, 0x3F8A14D5,
    0x3F8B95C2, 0x3F8D1ADF, 0x3F8EA43A, 0x3F9031DC,
    0x3F91C3D3, 0x3F935A2B, 0x3F94F4F0, 0x3F96942D,
    0x3F9837F0, 0x3F99E046, 0x3F9B8D3A, 0x3F9D3EDA,
    0x3F9EF532, 0x3FA0B051, 0x3FA27043, 0x3FA43516,
    0x3FA5FED7, 0x3FA7CD94, 0x3FA9A15B, 0x3FAB7A3A,
    0x3FAD583F, 0x3FAF3B79, 0x3FB123F6, 0x3FB311C4,
    0x3FB504F3, 0x3FB6FD92, 0x3FB8FBAF, 0x3FBAFF5B,
    0x3FBD08A4, 0x3FBF179A, 0x3FC12C4D, 0x3FC346CD,
    0x3FC5672A, 0x3FC78D75, 0x3FC9B9BE, 0x3FCBEC15,
    0x3FCE248C, 0x3FD06334, 0x3FD2A81E, 0x3FD4F35B,
    0x3FD744FD, 0x3FD99D16, 0x3FDBFBB8, 0x3FDE60F5,
    0x3FE0CCDF, 0x3FE33F89, 0x3FE5B907, 0x3FE8396A,
    0x3FEAC0C7, 0x3FED4F30, 0x3FEFE4BA, 0x3FF28177,
    0x3FF5257D, 0x3FF7D0DF, 0x3FFA83B3, 0x3FFD3E0C,
};

// 2^((k + 0.5)/64) rounded to float32: a mantissa m in [1, 2) rounds to
// step k when T[k-1] <= m < T[k] (encoder side only, not normative).
constexpr uint32_t kScaleThresholdBits[kScaleStepsPerOctave] = {
    0x3F80B1ED, 0x3F8218AF, 0x3F838359, 0x3F84F1F6,
    0x3F866491, 0x3F87DB35, 0x3F8955EE, 0x3F8AD4C6,
    0x3F8C57CA, 0x3F8DDF04, 0x3F8F6A81, 0x3F90FA4D,
    0x3F928E72, 0x3F9426FF, 0x3F95C3FF, 0x3F97657D,
    0x3F990B88, 0x3F9AB62B, 0x3F9C6573, 0x3F9E196E,
    0x3F9FD228, 0x3FA18FAF, 0x3FA3520F, 0x3FA51958,
    0x3FA6E595, 0x3FA8B6D5, 0x3FAA8D26, 0x3FAC6897,
    0x3FAE4934, 0x3FB02F0E, 0x3FB21A32, 0x3FB40AAF,
    0x3FB60094, 0x3FB7FBF0, 0x3FB9FCD2, 0x3FBC034A,
    0x3FBE0F68, 0x3FC0213B, 0x3FC238D2, 0x3FC4563F,
    0x3FC67991, 0x3FC8A2D8, 0x3FCAD226, 0x3FCD078C,
    0x3FCF4319, 0x3FD184DF, 0x3FD3CCF1, 0x3FD61B5E,
    0x3FD87039, 0x3FDACB94, 0x3FDD2D82, 0x3FDF9613,
    0x3FE2055B, 0x3FE47B6D, 0x3FE6F85B, 0x3FE97C38,
    0x3FEC0719, 0x3FEE9910, 0x3FF13231, 0x3FF3D290,
    0x3FF67A41, 0x3FF9295A, 0x3FFBDFED, 0x3FFE9E11,
};

// The thresholds below each of the 128 equal slices of [1, 2) that the
// top seven mantissa bits pick. Neighbouring thresholds are 2^(1/64)
// apart, further than a slice is wide, so a slice holds at most one: one
// comparison with it finishes the count (a binary search took seven
// dependent loads, once per block of every packet).
constexpr int kMantissaSliceBits = 7;
constexpr uint32_t kMantissaSlices = 1u << kMantissaSliceBits;
constexpr uint32_t kSliceShift = 23 - kMantissaSliceBits;

constexpr uint32_t SliceStart(uint32_t slice) {
  return 0x3F800000u | (slice << kSliceShift);
}

constexpr std::array<uint8_t, kMantissaSlices> MakeStepsBelowSlice() {
  std::array<uint8_t, kMantissaSlices> steps{};
  for (uint32_t slice = 0; slice < kMantissaSlices; ++slice) {
    uint8_t k = 0;
    while (k < kScaleStepsPerOctave &&
           kScaleThresholdBits[k] < SliceStart(slice)) {
      ++k;
    }
    steps[slice] = k;
  }
  return steps;
}
constexpr std::array<uint8_t, kMantissaSlices> kStepsBelowSlice =
    MakeStepsBelowSlice();

constexpr bool AtMostOneThresholdPerSlice() {
  for (uint32_t slice = 0; slice + 1 < kMantissaSlices; ++slice) {
    if (kStepsBelowSlice[slice + 1] - kStepsBelowSlice[slice] > 1) return false;
  }
  return kScaleStepsPerOctave - kStepsBelowSlice[kMantissaSlices - 1] <= 1;
}
static_assert(AtMostOneThresholdPerSlice());

float FromBits(uint32_t bits) { return std::bit_cast<float>(bits); }

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

}  // namespace

uint32_t QuantizeScale(float alpha) {
  const auto bits = std::bit_cast<uint32_t>(alpha);
  const auto exponent = static_cast<int32_t>((bits >> 23) & 0xFF);
  if (alpha <= 0 || exponent == 0) return 0;  // zero or below 2^-126
  if (exponent == 0xFF) return kMaxScaleCode;  // not reached: alpha finite
  // The number of thresholds at or below the mantissa (positive floats
  // order as their bit patterns do, and the thresholds increase): those
  // below its slice, and the slice's own if any.
  const uint32_t mantissa = (bits & 0x007FFFFF) | 0x3F800000;
  uint32_t step = kStepsBelowSlice[(bits & 0x007FFFFF) >> kSliceShift];
  step += step < kScaleStepsPerOctave && kScaleThresholdBits[step] <= mantissa
              ? 1
              : 0;
  const uint64_t code = static_cast<uint64_t>(exponent - 1) *
                            kScaleStepsPerOctave +
                        step + 1;
  return code > kMaxScaleCode ? kMaxScaleCode : static_cast<uint32_t>(code);
}

float DequantizeScale(uint32_t code) {
  if (code == 0) return 0;
  const uint32_t q = code - 1;
  const uint32_t octave = q / kScaleStepsPerOctave;  // biased exponent - 1
  // M[k] has exponent 0 (it is in [1, 2)): adding the octave to its
  // exponent field is the exact product M[k] * 2^(octave - 126).
  return FromBits(kScaleMantissaBits[q % kScaleStepsPerOctave] +
                  (octave << 23) - (126u << 23));
}

void EncodeScaleCodes(absl::Span<const uint32_t> codes,
                      std::vector<uint8_t>* out) {
  ByteWriter writer(out);
  writer.WriteU8(kLogGridScaleFormat);
  std::vector<uint8_t> varints;
  ByteWriter varint_writer(&varints);
  int64_t previous = 0;
  for (uint32_t code : codes) {
    varint_writer.WriteVarint(ZigZag(static_cast<int64_t>(code) - previous));
    previous = code;
  }
  ByteStreamOptions options;
  options.coder = ByteCoder::kRans;
  EncodeByteStream(varints, options, out);
}

absl::Status DecodeScaleCodes(absl::Span<const uint8_t> payload,
                              absl::Span<uint32_t> codes) {
  ByteReader reader(payload);
  uint8_t format = 0;
  if (absl::Status s = reader.ReadU8("scale_format", &format); !s.ok()) {
    return s;
  }
  if (format != kLogGridScaleFormat) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("field `scale_format` is ", format,
                                  "; it must be 1"));
  }
  // Each code takes at least one varint byte and at most three.
  std::vector<uint8_t> varints;
  absl::Span<const uint8_t> rest;
  reader.ReadBytes("scale_deltas", reader.remaining(), &rest).IgnoreError();
  if (absl::Status s = DecodeByteStream(rest, 3 * codes.size(), &varints);
      !s.ok()) {
    return s;
  }
  ByteReader deltas(varints);
  int64_t previous = 0;
  for (size_t k = 0; k < codes.size(); ++k) {
    uint64_t zigzag = 0;
    if (absl::Status s = deltas.ReadVarint("scale_delta", &zigzag); !s.ok()) {
      return MakeError(ErrorCode::kCorruptPayload,
                       absl::StrCat("block ", k, ": ", s.message()));
    }
    // A delta beyond the code range cannot lead to a valid code (and could
    // overflow the sum): refuse it before adding.
    if (zigzag > 2 * uint64_t{kMaxScaleCode}) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("block ", k, ": a `scale_delta` of zigzag ",
                                    zigzag, " leaves 0..", kMaxScaleCode));
    }
    const int64_t code = previous + UnZigZag(zigzag);
    if (code < 0 || code > kMaxScaleCode) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("block ", k, ": `scale_code` is ", code,
                                    "; it must be 0..", kMaxScaleCode));
    }
    codes[k] = static_cast<uint32_t>(code);
    previous = code;
  }
  if (deltas.remaining() != 0) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat(deltas.remaining(),
                                  " bytes of scale deltas follow the last "
                                  "block's"));
  }
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
