// Little-endian writer that appends to a caller-owned std::vector.
//
// The mirror of ByteReader: serialisers build structures with it, and what it
// writes is exactly what ByteReader reads back. Writing cannot fail.
#ifndef GRADCODEC_FORMAT_BYTE_WRITER_H_
#define GRADCODEC_FORMAT_BYTE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "format/varint.h"

namespace gradcodec::internal {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>* out) : out_(out) {}

  size_t size() const { return out_->size(); }

  void WriteU8(uint8_t value) { out_->push_back(value); }
  void WriteU16(uint16_t value) { WriteLittleEndian(value); }
  void WriteU32(uint32_t value) { WriteLittleEndian(value); }
  void WriteU64(uint64_t value) { WriteLittleEndian(value); }
  void WriteVarint(uint64_t value) {
    uint8_t buffer[kMaxVarintLength];
    const size_t length = EncodeVarint(value, buffer);
    out_->insert(out_->end(), buffer, buffer + length);
  }
  void WriteBytes(absl::Span<const uint8_t> bytes) {
    out_->insert(out_->end(), bytes.begin(), bytes.end());
  }
  void WriteBytes(absl::string_view bytes) {
    out_->insert(out_->end(), bytes.begin(), bytes.end());
  }
  // A varint length, then the bytes.
  void WriteLengthPrefixed(absl::Span<const uint8_t> bytes) {
    WriteVarint(bytes.size());
    WriteBytes(bytes);
  }
  void WriteLengthPrefixed(absl::string_view bytes) {
    WriteVarint(bytes.size());
    WriteBytes(bytes);
  }
  // Overwrites 8 bytes at `offset` (which must already be written).
  void PatchU64(size_t offset, uint64_t value) {
    for (size_t i = 0; i < 8; ++i) {
      (*out_)[offset + i] = static_cast<uint8_t>(value >> (8 * i));
    }
  }

 private:
  template <typename T>
  void WriteLittleEndian(T value) {
    for (size_t i = 0; i < sizeof(T); ++i) {
      out_->push_back(static_cast<uint8_t>(value >> (8 * i)));
    }
  }

  std::vector<uint8_t>* out_;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_BYTE_WRITER_H_
