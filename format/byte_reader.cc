#include "format/byte_reader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "format/varint.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {

absl::Status ByteReader::Truncated(absl::string_view field,
                                   size_t needed) const {
  return MakeError(
      ErrorCode::kTruncated,
      absl::StrCat("field `", field, "` needs ", needed, " byte",
                   needed == 1 ? "" : "s", " at offset ", absolute_position(),
                   "; ", remaining(), " remain"));
}

template <typename T>
absl::Status ByteReader::ReadLittleEndian(absl::string_view field, T* value) {
  if (remaining() < sizeof(T)) return Truncated(field, sizeof(T));
  T result = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    result |= static_cast<T>(static_cast<T>(bytes_[position_ + i]) << (8 * i));
  }
  position_ += sizeof(T);
  *value = result;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadU8(absl::string_view field, uint8_t* value) {
  return ReadLittleEndian(field, value);
}
absl::Status ByteReader::ReadU16(absl::string_view field, uint16_t* value) {
  return ReadLittleEndian(field, value);
}
absl::Status ByteReader::ReadU32(absl::string_view field, uint32_t* value) {
  return ReadLittleEndian(field, value);
}
absl::Status ByteReader::ReadU64(absl::string_view field, uint64_t* value) {
  return ReadLittleEndian(field, value);
}

absl::Status ByteReader::ReadLongVarint(absl::string_view field,
                                        uint64_t* value) {
  const VarintDecodeResult result =
      DecodeVarint(bytes_.subspan(position_), value);
  switch (result.error) {
    case VarintError::kNone:
      position_ += result.length;
      return absl::OkStatus();
    case VarintError::kTruncated:
      return MakeError(
          ErrorCode::kTruncated,
          absl::StrCat("varint field `", field, "` at offset ",
                       absolute_position(), " runs past the end of the input"));
    case VarintError::kOverflow:
      return MakeError(
          ErrorCode::kMalformedVarint,
          absl::StrCat("varint field `", field, "` at offset ",
                       absolute_position(), " does not fit in 64 bits"));
    case VarintError::kNotMinimal:
      return MakeError(
          ErrorCode::kMalformedVarint,
          absl::StrCat("varint field `", field, "` at offset ",
                       absolute_position(), " is not in its shortest form"));
  }
  return MakeError(ErrorCode::kInternal, "unreachable varint state");
}

absl::Status ByteReader::ReadVarintAtMost(absl::string_view field, uint64_t max,
                                          uint64_t* value) {
  const size_t start = absolute_position();
  uint64_t v = 0;
  if (absl::Status s = ReadVarint(field, &v); !s.ok()) return s;
  if (v > max) {
    return MakeError(ErrorCode::kLimitExceeded,
                     absl::StrCat("field `", field, "` at offset ", start,
                                  " is ", v, "; the limit is ", max));
  }
  *value = v;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadBytes(absl::string_view field, size_t size,
                                   absl::Span<const uint8_t>* bytes) {
  if (remaining() < size) return Truncated(field, size);
  *bytes = bytes_.subspan(position_, size);
  position_ += size;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadLengthPrefixed(absl::string_view field,
                                            uint64_t max_size,
                                            absl::Span<const uint8_t>* bytes) {
  const size_t start = absolute_position();
  uint64_t size = 0;
  if (absl::Status s = ReadVarintAtMost(field, max_size, &size); !s.ok()) {
    return s;
  }
  if (size > remaining()) {
    return MakeError(
        ErrorCode::kLengthOutOfBounds,
        absl::StrCat("length field `", field, "` at offset ", start, " is ",
                     size, " but only ", remaining(), " bytes remain"));
  }
  *bytes = bytes_.subspan(position_, static_cast<size_t>(size));
  position_ += static_cast<size_t>(size);
  return absl::OkStatus();
}

absl::Status ByteReader::Skip(absl::string_view field, size_t size) {
  if (remaining() < size) return Truncated(field, size);
  position_ += size;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadCount(absl::string_view field, uint64_t max,
                                   uint64_t min_item_size, uint64_t* count) {
  const size_t start = absolute_position();
  uint64_t value = 0;
  if (absl::Status s = ReadVarintAtMost(field, max, &value); !s.ok()) return s;
  if (value > remaining() / min_item_size) {
    return MakeError(
        ErrorCode::kLengthOutOfBounds,
        absl::StrCat("field `", field, "` at offset ", start, " is ", value,
                     " but the ", remaining(), " remaining bytes hold at most ",
                     remaining() / min_item_size));
  }
  *count = value;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadMagic(absl::string_view structure,
                                   const uint8_t (&expected)[4]) {
  const size_t start = absolute_position();
  absl::Span<const uint8_t> magic;
  if (absl::Status s = ReadBytes("magic", 4, &magic); !s.ok()) return s;
  if (std::equal(magic.begin(), magic.end(), expected)) {
    return absl::OkStatus();
  }
  position_ -= 4;
  return MakeError(
      ErrorCode::kBadMagic,
      absl::StrCat(
          structure, " field `magic` at offset ", start, " is 0x",
          absl::Hex(magic[0], absl::kZeroPad2),
          absl::Hex(magic[1], absl::kZeroPad2),
          absl::Hex(magic[2], absl::kZeroPad2),
          absl::Hex(magic[3], absl::kZeroPad2), "; expected \"",
          absl::string_view(reinterpret_cast<const char*>(expected), 4), "\""));
}

absl::Status ByteReader::ExpectEnd(absl::string_view structure) const {
  if (empty()) return absl::OkStatus();
  return MakeError(ErrorCode::kTrailingBytes,
                   absl::StrCat(remaining(), " bytes follow the end of ",
                                structure, " at offset ", absolute_position()));
}

}  // namespace gradcodec::internal
