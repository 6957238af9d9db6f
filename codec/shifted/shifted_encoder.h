// The sending end of a shifted-method stream inside Encoder
// (spec/FORMAT.md section 11.10): one packet per step, its method sections,
// and the reference fingerprint chain the decoder checks.
#ifndef GRADCODEC_CODEC_SHIFTED_SHIFTED_ENCODER_H_
#define GRADCODEC_CODEC_SHIFTED_SHIFTED_ENCODER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "codec/shifted/shifted_stream.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "gradcodec/packet_info.h"

namespace gradcodec::internal {

class ShiftedEncoder {
 public:
  ShiftedEncoder(ShiftedSetup setup, uint64_t n);

  // Encodes v into `packet` with `header` (its kind, sequence and ids set
  // by the caller; the reference fingerprint is set here), the layout
  // section taken from `layout_payload` in key packets. `out`, if not
  // empty, receives the decoder's output. Errors (NON_FINITE_INPUT) leave
  // everything unchanged.
  absl::Status Encode(PacketHeader header,
                      absl::Span<const uint8_t> layout_payload,
                      absl::Span<const float> v, std::vector<uint8_t>* packet,
                      absl::Span<float> out);

  // An upper bound on any packet's size, for `layout_bytes` of layout.
  uint64_t MaxPacketSize(uint64_t layout_bytes) const;

  absl::Span<const float> error() const { return sender_.error(); }
  // Error feedback's e *= ratio (Encoder::RescaleError).
  void RescaleError(float ratio);

  // h, e and the fingerprint; Restore checks sizes and finiteness
  // (INVALID_FIELD) and changes nothing on error.
  void Save(ByteWriter& writer) const;
  absl::Status Restore(ByteReader& reader);

 private:
  ShiftedSender sender_;
  uint64_t n_;
  std::vector<uint8_t> setup_payload_, fixed_payload_;
  std::vector<uint8_t> shift_payload_;  // this packet's `shift`, if a key
  uint64_t fingerprint_ = 0;
  ShiftedMessage message_;
  std::vector<float> scratch_;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_SHIFTED_ENCODER_H_
