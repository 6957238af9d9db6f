// The receiving end of a shifted-method stream inside Decoder
// (spec/FORMAT.md section 11.10): reads a key packet's setup, checks which
// method sections each packet holds, decodes the receiver's output and
// tracks h and the reference fingerprint. decoder.cc runs the checks every
// method shares (sections 3 and 5.3) and hands the packet here.
#ifndef GRADCODEC_CODEC_SHIFTED_SHIFTED_DECODER_H_
#define GRADCODEC_CODEC_SHIFTED_SHIFTED_DECODER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "codec/shifted/shifted_stream.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "format/packet.h"

namespace gradcodec::internal {

class ShiftedDecoder {
 public:
  // A fresh receiver for a key packet of `method` whose layout has n
  // coordinates and the blocks `block_starts`: parses `shift_setup`, for
  // shift rule fixed `fixed_shift`, and the `shift` h starts from when
  // the key has one. SECTION_PRESENCE for a missing or misplaced one;
  // their payloads' errors (shift_setup.h, ReadDenseFloats, key_shift.h).
  static absl::StatusOr<std::unique_ptr<ShiftedDecoder>> FromKeyPacket(
      const ParsedPacket& packet, Method method, uint64_t n,
      std::vector<uint64_t> block_starts);

  // Decodes `packet` (a key packet for a receiver FromKeyPacket just made,
  // or a delta) into `out`; nothing is held until Commit(). Errors:
  // SECTION_PRESENCE (a method section the packet may not hold, or a
  // required one missing), and the payloads' errors.
  absl::Status Decode(const ParsedPacket& packet, absl::Span<float> out);
  // Holds the h and fingerprint of the last successful Decode.
  void Commit();

  // The reference fingerprint F a delta packet must carry.
  uint64_t fingerprint() const { return fingerprint_; }

  // The receiver's state for Decoder::SaveState: the setup and fixed
  // shift payloads, h and F. Restore parses them again, so a blob is
  // checked as a packet would be.
  void Save(ByteWriter& writer) const;
  static absl::StatusOr<std::unique_ptr<ShiftedDecoder>> Restore(
      ByteReader& reader, Method method, uint64_t n,
      std::vector<uint64_t> block_starts);

 private:
  ShiftedDecoder(ShiftedSetup setup, uint64_t n);

  ShiftedReceiver receiver_;
  std::vector<uint8_t> setup_payload_, fixed_payload_;
  uint64_t fingerprint_ = 0;
  uint64_t pending_fingerprint_ = 0;
};

// The fingerprint after a key packet: XXH3-64 of the `shift_setup`
// payload, chained (XXH3_64bits_withSeed) with the `fixed_shift` and then
// the `shift` payload when the key has them (empty spans otherwise).
uint64_t ShiftKeyFingerprint(absl::Span<const uint8_t> setup_payload,
                             absl::Span<const uint8_t> fixed_payload,
                             absl::Span<const uint8_t> shift_payload);
// The next fingerprint of an evolving shift (EF21, DIANA, Rand-DIANA):
// XXH3_64bits_withSeed of the packet's `shifted_values` or `refresh`
// payload, seeded with the previous one.
uint64_t ShiftDeltaFingerprint(uint64_t previous,
                               absl::Span<const uint8_t> payload);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_SHIFTED_DECODER_H_
