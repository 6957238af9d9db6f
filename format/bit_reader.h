// Bit-level reader over a byte span, the mirror of BitWriter.
//
// Hot decode loops cannot afford a status per bit, so reads past the end of
// the span return zero bits and set a sticky `overrun()` flag instead; a
// decoder checks it once, after its loop, and reports TRUNCATED. The reader
// never touches memory outside its span.
#ifndef GRADCODEC_FORMAT_BIT_READER_H_
#define GRADCODEC_FORMAT_BIT_READER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <cassert>
#include "absl/types/span.h"

namespace gradcodec::internal {

class BitReader {
 public:
  explicit BitReader(absl::Span<const uint8_t> bytes) : bytes_(bytes) {}

  // Reads `count` bits, 0 <= count <= 57, least significant first.
  uint64_t Read(int count) {
    assert(count >= 0 && count <= 57);
    if (available_ < count) Refill();
    if (available_ < count) {
      // Past the end: hand out what is left padded with zeros.
      overrun_ = true;
      const uint64_t value = buffer_;
      consumed_bits_ += available_;
      buffer_ = 0;
      available_ = 0;
      return value & Mask(count);
    }
    const uint64_t value = buffer_ & Mask(count);
    buffer_ >>= count;
    available_ -= count;
    consumed_bits_ += count;
    return value;
  }
  bool ReadBit() { return Read(1) != 0; }

  // True once any read went past the end of the span.
  bool overrun() const { return overrun_; }
  // Bits handed out by successful reads.
  uint64_t consumed_bits() const { return consumed_bits_; }
  // Bits neither read nor buffered-and-read: the rest of the span.
  uint64_t remaining_bits() const {
    return (bytes_.size() - next_byte_) * 8 + static_cast<uint64_t>(available_);
  }

 private:
  static uint64_t Mask(int count) {
    return count == 64 ? ~uint64_t{0} : (uint64_t{1} << count) - 1;
  }

  void Refill() {
    // Tops the buffer up to at least 57 bits (up to 64), whole bytes at a
    // time, so that any single Read of at most 57 bits is served.
    if (bytes_.size() - next_byte_ >= 8) {
      uint64_t word;
      // GCC 12 cannot see that the size check above guards this load when it
      // inlines a reader over a tiny constant buffer (-Warray-bounds false
      // positive); the load is in bounds.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#endif
      std::memcpy(&word, bytes_.data() + next_byte_, 8);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
      // The format is little-endian; this build only targets little-endian
      // hosts (checked in CMake), so the load needs no byte swap.
      buffer_ |= word << available_;
      const int taken = (64 - available_) >> 3;
      next_byte_ += static_cast<size_t>(taken);
      available_ += taken * 8;
      buffer_ &= Mask(available_);
      return;
    }
    while (available_ <= 56 && next_byte_ < bytes_.size()) {
      buffer_ |= static_cast<uint64_t>(bytes_[next_byte_++]) << available_;
      available_ += 8;
    }
  }

  absl::Span<const uint8_t> bytes_;
  size_t next_byte_ = 0;
  uint64_t buffer_ = 0;
  int available_ = 0;
  uint64_t consumed_bits_ = 0;
  bool overrun_ = false;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_BIT_READER_H_
