#include "codec/shifted/key_shift.h"

#include <array>
#include <bit>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "codec/entropy/byte_stream_coder.h"
#include "codec/shifted/payload_parts.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

// Spec field names, for error messages.
constexpr std::array<const char*, 4> kPlaneNames = {
    "shift.plane_0", "shift.plane_1", "shift.plane_2", "shift.plane_3"};

// The smaller of the rans and zstd byte streams of `symbols`.
void WriteSmallerByteStream(absl::Span<const uint8_t> symbols,
                            std::vector<uint8_t>* out) {
  ByteStreamOptions rans_options, zstd_options;
  rans_options.coder = ByteCoder::kRans;
  zstd_options.coder = ByteCoder::kZstd;
  std::vector<uint8_t> rans, zstd;
  EncodeByteStream(symbols, rans_options, &rans);
  EncodeByteStream(symbols, zstd_options, &zstd);
  const std::vector<uint8_t>& smaller = zstd.size() < rans.size() ? zstd : rans;
  out->insert(out->end(), smaller.begin(), smaller.end());
}

}  // namespace

bool ShiftIsZero(absl::Span<const float> h) {
  for (float value : h) {
    if (std::bit_cast<uint32_t>(value) != 0) return false;
  }
  return true;
}

std::vector<uint8_t> InterleavedShiftBytes(absl::Span<const float> h) {
  std::vector<uint8_t> bytes(4 * h.size());
  for (size_t i = 0; i < h.size(); ++i) {
    const uint32_t bits = std::bit_cast<uint32_t>(h[i]);
    for (int p = 0; p < 4; ++p) {
      bytes[4 * i + p] = static_cast<uint8_t>(bits >> (8 * p));
    }
  }
  return bytes;
}

std::vector<uint8_t> ShiftBytePlane(absl::Span<const float> h, int p) {
  std::vector<uint8_t> plane(h.size());
  for (size_t i = 0; i < h.size(); ++i) {
    plane[i] = static_cast<uint8_t>(std::bit_cast<uint32_t>(h[i]) >> (8 * p));
  }
  return plane;
}

void WriteKeyShift(absl::Span<const float> h, ShiftLayout layout,
                   std::vector<uint8_t>* out) {
  out->push_back(static_cast<uint8_t>(layout));
  if (layout == ShiftLayout::kInterleaved) {
    WriteSmallerByteStream(InterleavedShiftBytes(h), out);
    return;
  }
  std::vector<uint8_t> stream;
  for (int p = 0; p < 4; ++p) {
    stream.clear();
    WriteSmallerByteStream(ShiftBytePlane(h, p), &stream);
    ByteWriter(out).WriteLengthPrefixed(stream);
  }
}

void WriteKeyShift(absl::Span<const float> h, std::vector<uint8_t>* out) {
  std::vector<uint8_t> interleaved, planes;
  WriteKeyShift(h, ShiftLayout::kInterleaved, &interleaved);
  WriteKeyShift(h, ShiftLayout::kPlanes, &planes);
  const std::vector<uint8_t>& smaller =
      interleaved.size() <= planes.size() ? interleaved : planes;
  out->insert(out->end(), smaller.begin(), smaller.end());
}

absl::Status ReadKeyShift(absl::Span<const uint8_t> payload,
                          absl::Span<float> h) {
  ByteReader reader(payload);
  uint8_t layout = 0;
  if (absl::Status s = reader.ReadU8("shift_layout", &layout); !s.ok()) {
    return s;
  }
  if (layout > static_cast<uint8_t>(ShiftLayout::kPlanes)) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("field `shift_layout` is ", layout,
                                  "; it must be 0 or 1"));
  }
  std::vector<uint32_t> bits(h.size(), 0);
  std::vector<uint8_t> bytes;
  if (layout == static_cast<uint8_t>(ShiftLayout::kInterleaved)) {
    if (absl::Status s = ReadWholeByteStream(payload.subspan(1), "shift.values",
                                             4 * h.size(), &bytes);
        !s.ok()) {
      return s;
    }
    for (size_t i = 0; i < h.size(); ++i) {
      for (int p = 0; p < 4; ++p) {
        bits[i] |= static_cast<uint32_t>(bytes[4 * i + p]) << (8 * p);
      }
    }
  } else {
    for (int p = 0; p < 4; ++p) {
      if (absl::Status s =
              ReadPrefixedByteStream(reader, kPlaneNames[p], h.size(), &bytes);
          !s.ok()) {
        return s;
      }
      for (size_t i = 0; i < h.size(); ++i) {
        bits[i] |= static_cast<uint32_t>(bytes[i]) << (8 * p);
      }
    }
    if (absl::Status s = reader.ExpectEnd("the `shift` section"); !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < h.size(); ++i) {
    h[i] = std::bit_cast<float>(bits[i]);
    if (!std::isfinite(h[i])) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("field `shift` value ", i, " is ", h[i],
                                    "; the shift must be finite"));
    }
  }
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
