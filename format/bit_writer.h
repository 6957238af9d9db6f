// Bit-level writer (spec/FORMAT.md, "Bit order").
//
// Bits are packed least-significant first: the first bit written is bit 0 of
// byte 0, the ninth is bit 0 of byte 1. A value of n bits is written with its
// least significant bit first. Finish() pads the last byte with zero bits.
#ifndef GRADCODEC_FORMAT_BIT_WRITER_H_
#define GRADCODEC_FORMAT_BIT_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include <cassert>

namespace gradcodec::internal {

class BitWriter {
 public:
  // Appends to `out`; the writer owns nothing.
  explicit BitWriter(std::vector<uint8_t>* out) : out_(out) {}

  // Writes the low `count` bits of `value`, 0 <= count <= 57. Higher bits of
  // `value` must be zero.
  void Write(uint64_t value, int count) {
    assert(count >= 0 && count <= 57);
    assert((value >> count) == 0);
    accumulator_ |= value << filled_;
    filled_ += count;
    while (filled_ >= 8) {
      out_->push_back(static_cast<uint8_t>(accumulator_));
      accumulator_ >>= 8;
      filled_ -= 8;
    }
  }
  void WriteBit(bool bit) { Write(bit ? 1 : 0, 1); }

  // Writes the first `count` bits of `words` (packed least-significant
  // first, 64 to a word) in order; a byte copy when the writer is at a byte
  // boundary (the host is little-endian: the top-level CMakeLists checks).
  void WriteBits(const uint64_t* words, uint64_t count) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(words);
    if (filled_ == 0) {
      out_->insert(out_->end(), bytes, bytes + count / 8);
    } else {
      for (uint64_t b = 0; b < count / 8; ++b) Write(bytes[b], 8);
    }
    if (const int rest = static_cast<int>(count % 8); rest != 0) {
      Write(bytes[count / 8] & ((1u << rest) - 1), rest);
    }
  }

  // Bits written so far, padding excluded.
  uint64_t bit_count() const { return out_->size() * 8 + filled_ - base_bits_; }

  // Flushes the partial last byte (zero-padded). The writer may not be used
  // afterwards.
  void Finish() {
    if (filled_ > 0) out_->push_back(static_cast<uint8_t>(accumulator_));
    accumulator_ = 0;
    filled_ = 0;
  }

 private:
  std::vector<uint8_t>* out_;
  uint64_t base_bits_ = out_->size() * 8;
  uint64_t accumulator_ = 0;
  int filled_ = 0;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_BIT_WRITER_H_
