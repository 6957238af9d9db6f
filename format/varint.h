// LEB128 varints (spec/FORMAT.md, "Varints").
//
// Seven value bits per byte, least significant group first, the high bit set
// on every byte but the last. The format allows only the shortest encoding of
// a value (so every value has exactly one encoding and a re-serialised packet
// is byte-identical), at most 10 bytes, and no bits beyond bit 63.
#ifndef GRADCODEC_FORMAT_VARINT_H_
#define GRADCODEC_FORMAT_VARINT_H_

#include <cstddef>
#include <cstdint>

#include "absl/types/span.h"

namespace gradcodec::internal {

inline constexpr size_t kMaxVarintLength = 10;

enum class VarintError { kNone, kTruncated, kOverflow, kNotMinimal };

struct VarintDecodeResult {
  VarintError error;
  size_t length;  // bytes consumed; valid only when error == kNone
};

// Decodes one varint from the front of `bytes`. Never reads past its end.
inline VarintDecodeResult DecodeVarint(absl::Span<const uint8_t> bytes,
                                       uint64_t* value) {
  uint64_t result = 0;
  for (size_t i = 0; i < kMaxVarintLength; ++i) {
    if (i == bytes.size()) return {VarintError::kTruncated, 0};
    const uint8_t byte = bytes[i];
    // The tenth byte holds bit 63 only.
    if (i == kMaxVarintLength - 1 && byte > 1) {
      return {VarintError::kOverflow, 0};
    }
    result |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      // A final zero group after the first byte means a shorter form exists.
      if (byte == 0 && i > 0) return {VarintError::kNotMinimal, 0};
      *value = result;
      return {VarintError::kNone, i + 1};
    }
  }
  return {VarintError::kOverflow, 0};
}

// Bytes EncodeVarint writes for `value`.
inline size_t VarintLength(uint64_t value) {
  size_t length = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++length;
  }
  return length;
}

// Writes the shortest encoding of `value` to `out`, which must hold
// kMaxVarintLength bytes. Returns the number of bytes written.
inline size_t EncodeVarint(uint64_t value, uint8_t* out) {
  size_t length = 0;
  while (value >= 0x80) {
    out[length++] = static_cast<uint8_t>(value | 0x80);
    value >>= 7;
  }
  out[length++] = static_cast<uint8_t>(value);
  return length;
}

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_VARINT_H_
