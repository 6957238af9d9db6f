// Bounded little-endian reader over a byte span.
//
// Every read names the spec field it reads, so that a truncated or malformed
// input produces an error such as
//   TRUNCATED: field `packet_kind` needs 1 byte at offset 8; 0 remain
// No read can pass the end of the span: a failed read leaves the position
// unchanged and returns an error.
#ifndef GRADCODEC_FORMAT_BYTE_READER_H_
#define GRADCODEC_FORMAT_BYTE_READER_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace gradcodec::internal {

class ByteReader {
 public:
  // `base_offset` is added to positions in error messages, so that a reader
  // over part of a packet reports offsets within the whole packet.
  explicit ByteReader(absl::Span<const uint8_t> bytes, size_t base_offset = 0)
      : bytes_(bytes), base_offset_(base_offset) {}

  size_t position() const { return position_; }
  // Position within the enclosing structure (position() + base_offset).
  size_t absolute_position() const { return position_ + base_offset_; }
  size_t remaining() const { return bytes_.size() - position_; }
  bool empty() const { return position_ == bytes_.size(); }

  absl::Status ReadU8(absl::string_view field, uint8_t* value);
  absl::Status ReadU16(absl::string_view field, uint16_t* value);
  absl::Status ReadU32(absl::string_view field, uint32_t* value);
  absl::Status ReadU64(absl::string_view field, uint64_t* value);
  // LEB128, at most 10 bytes, shortest form only (spec: "Varints"). A
  // one-byte varint is read inline: a decoder reads one per block of
  // scales (65536 at 16M coordinates), and the call and the general loop
  // took a tenth of a millisecond of signxor's decode.
  absl::Status ReadVarint(absl::string_view field, uint64_t* value) {
    if (position_ < bytes_.size() && bytes_[position_] < 0x80) {
      *value = bytes_[position_++];
      return absl::OkStatus();
    }
    return ReadLongVarint(field, value);
  }
  // A varint that must not exceed `max`; larger values are LIMIT_EXCEEDED.
  absl::Status ReadVarintAtMost(absl::string_view field, uint64_t max,
                                uint64_t* value);
  // A view of the next `size` bytes (no copy).
  absl::Status ReadBytes(absl::string_view field, size_t size,
                         absl::Span<const uint8_t>* bytes);
  // A varint length followed by that many bytes; the length must not exceed
  // `max_size` (LIMIT_EXCEEDED) nor what remains (LENGTH_OUT_OF_BOUNDS).
  absl::Status ReadLengthPrefixed(absl::string_view field, uint64_t max_size,
                                  absl::Span<const uint8_t>* bytes);
  absl::Status Skip(absl::string_view field, size_t size);

  // A varint count of items that each take at least `min_item_size` bytes:
  // LIMIT_EXCEEDED above `max`, LENGTH_OUT_OF_BOUNDS when the remaining
  // bytes cannot hold that many items. Bounds every allocation sized by a
  // count read from input.
  absl::Status ReadCount(absl::string_view field, uint64_t max,
                         uint64_t min_item_size, uint64_t* count);

  // Reads a 4-byte magic number: BAD_MAGIC unless it is `expected`, with
  // `structure` (e.g. "packet") and the value found in the message.
  absl::Status ReadMagic(absl::string_view structure,
                         const uint8_t (&expected)[4]);

  // TRAILING_BYTES if anything is left, naming `structure`.
  absl::Status ExpectEnd(absl::string_view structure) const;

 private:
  absl::Status Truncated(absl::string_view field, size_t needed) const;
  // ReadVarint of any length.
  absl::Status ReadLongVarint(absl::string_view field, uint64_t* value);
  template <typename T>
  absl::Status ReadLittleEndian(absl::string_view field, T* value);

  absl::Span<const uint8_t> bytes_;
  size_t position_ = 0;
  size_t base_offset_;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_BYTE_READER_H_
