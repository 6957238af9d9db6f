#include "codec/shifted/shifted_encoder.h"

#include <cmath>

#include "codec/shifted/key_shift.h"
#include "codec/shifted/shift_rule.h"
#include "codec/shifted/shift_setup.h"
#include "codec/shifted/shifted_decoder.h"
#include "codec/shifted/shifted_sections.h"
#include "codec/state_blob.h"
#include "format/packet.h"
#include "format/section_types.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {

ShiftedEncoder::ShiftedEncoder(ShiftedSetup setup, uint64_t n)
    : sender_(std::move(setup), n), n_(n) {
  SerializeShiftSetup(sender_.setup(), &setup_payload_);
  if (sender_.setup().rule == Shift::kFixed) {
    WriteDenseFloats(sender_.setup().fixed_shift, &fixed_payload_);
  }
}

absl::Status ShiftedEncoder::Encode(PacketHeader header,
                                    absl::Span<const uint8_t> layout_payload,
                                    absl::Span<const float> v,
                                    std::vector<uint8_t>* packet,
                                    absl::Span<float> out) {
  const bool key = header.packet_kind == PacketKind::kKey;
  if (out.empty()) {
    scratch_.resize(n_);
    out = absl::MakeSpan(scratch_);
  }
  // The key's `shift` section holds the h the packet starts from, so it is
  // taken before Step moves h on (spec 11.10.5).
  shift_payload_.clear();
  if (key && ShiftEvolves(sender_.setup().rule) && !ShiftIsZero(sender_.h())) {
    WriteKeyShift(sender_.h(), &shift_payload_);
  }
  if (absl::Status s = sender_.Step(v, header.sequence, &message_, out);
      !s.ok()) {
    return s;
  }
  // A refresh replaces h whatever it was: the key needs no `shift` then.
  if (message_.refresh) shift_payload_.clear();
  // Sections in increasing type order (spec section 2.4).
  std::vector<SectionData> sections;
  if (key) {
    sections.push_back({kSectionLayout, layout_payload});
    sections.push_back({kShiftSetupSection, setup_payload_});
  }
  if (!message_.refresh) {
    sections.push_back({kShiftedValuesSection, message_.payload});
  }
  if (key && !fixed_payload_.empty()) {
    sections.push_back({kFixedShiftSection, fixed_payload_});
  }
  if (message_.refresh) sections.push_back({kRefreshSection, message_.payload});
  if (!shift_payload_.empty()) {
    sections.push_back({kKeyShiftSection, shift_payload_});
  }
  header.reference_fingerprint = key ? 0 : fingerprint_;
  SerializePacket(header, sections, packet);
  if (key) {
    fingerprint_ =
        ShiftKeyFingerprint(setup_payload_, fixed_payload_, shift_payload_);
  } else if (ShiftEvolves(sender_.setup().rule)) {
    fingerprint_ = ShiftDeltaFingerprint(fingerprint_, message_.payload);
  }
  return absl::OkStatus();
}

uint64_t ShiftedEncoder::MaxPacketSize(uint64_t layout_bytes) const {
  // Header, section table and checksum; the layout and setup; then the
  // largest payload: dither's levels (n bytes), norms (4 per block) and
  // signs (the adaptive coder spends at most 16 bits per bit), top_k's
  // gaps and values (14 bytes per kept coordinate), or n float32 for a
  // cast, refresh or fixed shift (twice for a fixed key packet), each
  // byte stream with its own few bytes of framing; and a key's `shift`,
  // four planes of n bytes that rans or zstd never grow by more than a
  // frame's overhead.
  const uint64_t blocks = sender_.setup().block_starts.size();
  const uint64_t key_shift =
      ShiftEvolves(sender_.setup().rule) ? 4 * n_ + n_ / 64 + 128 : 0;
  return 256 + layout_bytes + setup_payload_.size() + 12 * n_ + 4 * blocks +
         key_shift;
}

void ShiftedEncoder::RescaleError(float ratio) {
  for (float& e : sender_.mutable_error()) e *= ratio;
}

void ShiftedEncoder::Save(ByteWriter& writer) const {
  WriteFloats(sender_.h(), writer);
  WriteFloats(sender_.error(), writer);
  writer.WriteU64(fingerprint_);
}

absl::Status ShiftedEncoder::Restore(ByteReader& reader) {
  std::vector<float> h, e;
  uint64_t fingerprint = 0;
  for (absl::Status s :
       {ReadFloats(reader, "shift", sender_.h().size(), &h),
        ReadFloats(reader, "shift_error", sender_.error().size(), &e),
        reader.ReadU64("shift_fingerprint", &fingerprint),
        reader.ExpectEnd("the saved encoder state")}) {
    if (!s.ok()) return s;
  }
  for (const std::vector<float>* values : {&h, &e}) {
    for (float v : *values) {
      if (!std::isfinite(v)) {
        return MakeError(ErrorCode::kInvalidField,
                         "a saved shift or error memory is not finite");
      }
    }
  }
  sender_.mutable_h() = std::move(h);
  sender_.mutable_error() = std::move(e);
  fingerprint_ = fingerprint;
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
