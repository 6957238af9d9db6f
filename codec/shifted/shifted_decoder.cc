#include "codec/shifted/shifted_decoder.h"

#include <xxhash.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "codec/shifted/key_shift.h"
#include "codec/shifted/shift_rule.h"
#include "codec/shifted/shift_setup.h"
#include "codec/shifted/shifted_sections.h"
#include "codec/state_blob.h"
#include "format/checksum.h"
#include "format/section_types.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

absl::Status Presence(absl::string_view what) {
  return MakeError(ErrorCode::kSectionPresence, what);
}

// The method sections of a packet (spec 11.10.1), by type.
struct ShiftedSections {
  const SectionView* setup = nullptr;
  const SectionView* values = nullptr;
  const SectionView* fixed = nullptr;
  const SectionView* refresh = nullptr;
  const SectionView* shift = nullptr;
};

// Step 1 of spec 11.10.1: only the types this packet kind may hold.
absl::StatusOr<ShiftedSections> FindSections(const ParsedPacket& packet) {
  const bool key = packet.header.packet_kind == PacketKind::kKey;
  ShiftedSections found;
  for (const SectionView& section : packet.sections) {
    if (section.type < kFirstMethodSectionType ||
        section.type > kLastMethodSectionType) {
      continue;
    }
    if (section.type == kShiftSetupSection && key) {
      found.setup = &section;
    } else if (section.type == kShiftedValuesSection) {
      found.values = &section;
    } else if (section.type == kFixedShiftSection && key) {
      found.fixed = &section;
    } else if (section.type == kRefreshSection) {
      found.refresh = &section;
    } else if (section.type == kKeyShiftSection && key) {
      found.shift = &section;
    } else {
      return Presence(absl::StrCat(
          "method ", packet.header.method_id, " ", key ? "key" : "delta",
          " packets do not hold method section type ",
          absl::Hex(section.type, absl::kZeroPad2)));
    }
  }
  return found;
}

// Step 6: the sections the rule needs (a key packet reaches here after
// FromKeyPacket ran steps 2 to 5).
absl::Status CheckRuleSections(const ShiftedSections& found, Shift rule) {
  if (found.refresh != nullptr && rule != Shift::kRandDiana) {
    return Presence("only shift rule rand_diana has a `refresh` section");
  }
  if ((found.values != nullptr) == (found.refresh != nullptr)) {
    return Presence(found.values != nullptr
                        ? "a packet holds `shifted_values` or `refresh`, "
                          "not both"
                        : "the packet needs a `shifted_values` section (0x11)");
  }
  if (found.refresh != nullptr && found.shift != nullptr) {
    return Presence(
        "a key packet with a `refresh` has no `shift` section: "
        "the refresh replaces h");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ShiftedDecoder>> Build(
    absl::Span<const uint8_t> setup_payload,
    absl::Span<const uint8_t> fixed_payload, bool has_fixed, Method method,
    uint64_t n, std::vector<uint64_t> block_starts,
    std::unique_ptr<ShiftedDecoder> (*make)(ShiftedSetup, uint64_t)) {
  absl::StatusOr<ShiftedSetup> setup =
      ParseShiftSetup(setup_payload, method, n, std::move(block_starts));
  if (!setup.ok()) return setup.status();
  if (has_fixed != (setup->rule == Shift::kFixed)) {
    return Presence(setup->rule == Shift::kFixed
                        ? "a key packet of shift rule fixed needs a "
                          "`fixed_shift` section (0x12)"
                        : "only shift rule fixed has a `fixed_shift` section");
  }
  if (has_fixed) {
    setup->fixed_shift.resize(n);
    if (absl::Status s =
            ReadDenseFloats(fixed_payload, absl::MakeSpan(setup->fixed_shift));
        !s.ok()) {
      return s;
    }
  }
  return make(*std::move(setup), n);
}

}  // namespace

uint64_t ShiftKeyFingerprint(absl::Span<const uint8_t> setup_payload,
                             absl::Span<const uint8_t> fixed_payload,
                             absl::Span<const uint8_t> shift_payload) {
  uint64_t f = Xxh3(setup_payload);
  for (absl::Span<const uint8_t> chained : {fixed_payload, shift_payload}) {
    if (!chained.empty()) {
      f = XXH3_64bits_withSeed(chained.data(), chained.size(), f);
    }
  }
  return f;
}

uint64_t ShiftDeltaFingerprint(uint64_t previous,
                               absl::Span<const uint8_t> payload) {
  return XXH3_64bits_withSeed(payload.data(), payload.size(), previous);
}

ShiftedDecoder::ShiftedDecoder(ShiftedSetup setup, uint64_t n)
    : receiver_(std::move(setup), n) {}

absl::StatusOr<std::unique_ptr<ShiftedDecoder>> ShiftedDecoder::FromKeyPacket(
    const ParsedPacket& packet, Method method, uint64_t n,
    std::vector<uint64_t> block_starts) {
  absl::StatusOr<ShiftedSections> found = FindSections(packet);
  if (!found.ok()) return found.status();
  if (found->setup == nullptr) {
    return Presence("a key packet needs a `shift_setup` section (0x10)");
  }
  auto make = [](ShiftedSetup setup, uint64_t count) {
    return std::unique_ptr<ShiftedDecoder>(
        new ShiftedDecoder(std::move(setup), count));
  };
  absl::StatusOr<std::unique_ptr<ShiftedDecoder>> decoder = Build(
      found->setup->payload,
      found->fixed != nullptr ? found->fixed->payload
                              : absl::Span<const uint8_t>(),
      found->fixed != nullptr, method, n, std::move(block_starts), make);
  if (!decoder.ok()) return decoder.status();
  ShiftedDecoder& d = **decoder;
  if (found->shift != nullptr) {
    // Step 5: the h the sender had learned, which this key hands over.
    if (!ShiftEvolves(d.receiver_.setup().rule)) {
      return Presence(
          "only shift rules ef21, diana and rand_diana have a "
          "`shift` section (0x14)");
    }
    if (absl::Status s = ReadKeyShift(found->shift->payload,
                                      absl::MakeSpan(d.receiver_.mutable_h()));
        !s.ok()) {
      return s;
    }
  }
  d.setup_payload_.assign(found->setup->payload.begin(),
                          found->setup->payload.end());
  if (found->fixed != nullptr) {
    d.fixed_payload_.assign(found->fixed->payload.begin(),
                            found->fixed->payload.end());
  }
  return decoder;
}

absl::Status ShiftedDecoder::Decode(const ParsedPacket& packet,
                                    absl::Span<float> out) {
  const bool key = packet.header.packet_kind == PacketKind::kKey;
  absl::StatusOr<ShiftedSections> found = FindSections(packet);
  if (!found.ok()) return found.status();
  const Shift rule = receiver_.setup().rule;
  if (absl::Status s = CheckRuleSections(*found, rule); !s.ok()) return s;
  const bool refresh = found->refresh != nullptr;
  const absl::Span<const uint8_t> payload =
      refresh ? found->refresh->payload : found->values->payload;
  if (absl::Status s =
          receiver_.Step(refresh, payload, packet.header.sequence, out);
      !s.ok()) {
    return s;
  }
  if (key) {
    pending_fingerprint_ = ShiftKeyFingerprint(
        setup_payload_, fixed_payload_,
        found->shift != nullptr ? found->shift->payload
                                : absl::Span<const uint8_t>());
  } else if (ShiftEvolves(rule)) {
    pending_fingerprint_ = ShiftDeltaFingerprint(fingerprint_, payload);
  } else {
    pending_fingerprint_ = fingerprint_;
  }
  return absl::OkStatus();
}

void ShiftedDecoder::Commit() {
  receiver_.Commit();
  fingerprint_ = pending_fingerprint_;
}

void ShiftedDecoder::Save(ByteWriter& writer) const {
  writer.WriteLengthPrefixed(setup_payload_);
  writer.WriteU8(fixed_payload_.empty() ? 0 : 1);
  if (!fixed_payload_.empty()) writer.WriteLengthPrefixed(fixed_payload_);
  WriteFloats(receiver_.h(), writer);
  writer.WriteU64(fingerprint_);
}

absl::StatusOr<std::unique_ptr<ShiftedDecoder>> ShiftedDecoder::Restore(
    ByteReader& reader, Method method, uint64_t n,
    std::vector<uint64_t> block_starts) {
  absl::Span<const uint8_t> setup_payload, fixed_payload;
  uint8_t has_fixed = 0;
  for (absl::Status s :
       {reader.ReadLengthPrefixed("shift_setup", reader.remaining(),
                                  &setup_payload),
        reader.ReadU8("has_fixed_shift", &has_fixed)}) {
    if (!s.ok()) return s;
  }
  if (has_fixed > 1) {
    return MakeError(ErrorCode::kInvalidField,
                     "saved field `has_fixed_shift` is not 0 or 1");
  }
  if (has_fixed == 1) {
    if (absl::Status s = reader.ReadLengthPrefixed(
            "fixed_shift", reader.remaining(), &fixed_payload);
        !s.ok()) {
      return s;
    }
  }
  auto make = [](ShiftedSetup setup, uint64_t count) {
    return std::unique_ptr<ShiftedDecoder>(
        new ShiftedDecoder(std::move(setup), count));
  };
  absl::StatusOr<std::unique_ptr<ShiftedDecoder>> decoder =
      Build(setup_payload, fixed_payload, has_fixed == 1, method, n,
            std::move(block_starts), make);
  if (!decoder.ok()) return decoder.status();
  ShiftedDecoder& d = **decoder;
  d.setup_payload_.assign(setup_payload.begin(), setup_payload.end());
  d.fixed_payload_.assign(fixed_payload.begin(), fixed_payload.end());
  std::vector<float> h;
  const uint64_t h_count = HasShift(d.receiver_.setup().rule) ? n : 0;
  if (absl::Status s = ReadFloats(reader, "shift", h_count, &h); !s.ok()) {
    return s;
  }
  for (float v : h) {
    if (!std::isfinite(v)) {
      return MakeError(ErrorCode::kInvalidField, "a saved shift is not finite");
    }
  }
  d.receiver_.mutable_h() = std::move(h);
  if (absl::Status s = reader.ReadU64("shift_fingerprint", &d.fingerprint_);
      !s.ok()) {
    return s;
  }
  d.pending_fingerprint_ = d.fingerprint_;
  return decoder;
}

}  // namespace gradcodec::internal
