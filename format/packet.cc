#include "format/packet.h"


#include "absl/strings/str_cat.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "format/checksum.h"
#include "format/layout_section.h"
#include "format/section_types.h"
#include "gradcodec/error_code.h"
#include "gradcodec/limits.h"

namespace gradcodec::internal {
namespace {

absl::Status InvalidHeaderField(absl::string_view field, size_t offset,
                                uint64_t value, absl::string_view rule) {
  return MakeError(ErrorCode::kInvalidField,
                   absl::StrCat("packet header field `", field, "` at offset ",
                                offset, " is ", value, "; ", rule));
}

// Steps 1-7 of the spec's validation order: everything that must hold before
// the checksum can even be located.
absl::Status CheckFraming(absl::Span<const uint8_t> packet,
                          uint16_t* header_size) {
  ByteReader reader(packet);
  if (absl::Status s = reader.ReadMagic("packet", kPacketMagic); !s.ok()) {
    return s;
  }
  uint8_t major = 0;
  uint8_t minor = 0;
  if (absl::Status s = reader.ReadU8("version_major", &major); !s.ok()) {
    return s;
  }
  if (major != kFormatVersionMajor) {
    return MakeError(ErrorCode::kUnsupportedVersion,
                     absl::StrCat("packet header field `version_major` at "
                                  "offset 4 is ",
                                  major, "; this build reads version ",
                                  kFormatVersionMajor));
  }
  if (absl::Status s = reader.ReadU8("version_minor", &minor); !s.ok()) {
    return s;
  }
  if (absl::Status s = reader.ReadU16("header_size", header_size); !s.ok()) {
    return s;
  }
  if (*header_size < kPacketFixedHeaderSize) {
    return InvalidHeaderField("header_size", 6, *header_size,
                              "it must be at least 48");
  }
  if (*header_size > kMaxPacketHeaderSize) {
    return MakeError(ErrorCode::kLimitExceeded,
                     absl::StrCat("packet header field `header_size` at "
                                  "offset 6 is ",
                                  *header_size, "; the limit is ",
                                  kMaxPacketHeaderSize));
  }
  if (packet.size() < *header_size + kPacketTrailerSize) {
    return MakeError(ErrorCode::kTruncated,
                     absl::StrCat("packet is ", packet.size(),
                                  " bytes; `header_size` ", *header_size,
                                  " plus the 8-byte `checksum` need ",
                                  *header_size + kPacketTrailerSize));
  }
  if (packet.size() > kMaxPacketSize) {
    return MakeError(ErrorCode::kLimitExceeded,
                     absl::StrCat("packet is ", packet.size(),
                                  " bytes; the limit is ", kMaxPacketSize));
  }
  return absl::OkStatus();
}

absl::Status ReadHeaderFields(absl::Span<const uint8_t> packet,
                              PacketHeader* header) {
  ByteReader reader(packet.first(kPacketFixedHeaderSize));
  // Framing fields were checked by CheckFraming; read them again for the
  // struct.
  reader.Skip("magic", 4).IgnoreError();
  reader.ReadU8("version_major", &header->version_major).IgnoreError();
  reader.ReadU8("version_minor", &header->version_minor).IgnoreError();
  reader.ReadU16("header_size", &header->header_size).IgnoreError();
  uint8_t kind = 0;
  reader.ReadU8("packet_kind", &kind).IgnoreError();
  reader.ReadU8("method_id", &header->method_id).IgnoreError();
  reader.ReadU16("flags", &header->flags).IgnoreError();
  reader.ReadU32("stream_id", &header->stream_id).IgnoreError();
  reader.ReadU64("sequence", &header->sequence).IgnoreError();
  reader.ReadU64("layout_fingerprint", &header->layout_fingerprint)
      .IgnoreError();
  reader.ReadU64("coordinate_count", &header->coordinate_count).IgnoreError();
  reader.ReadU64("reference_fingerprint", &header->reference_fingerprint)
      .IgnoreError();

  if (kind != static_cast<uint8_t>(PacketKind::kKey) &&
      kind != static_cast<uint8_t>(PacketKind::kDelta)) {
    return InvalidHeaderField("packet_kind", 8, kind,
                              "it must be 1 (key) or 2 (delta)");
  }
  header->packet_kind = static_cast<PacketKind>(kind);
  if (header->method_id == 0) {
    return InvalidHeaderField("method_id", 9, 0, "0 is reserved");
  }
  if (header->flags != 0) {
    return InvalidHeaderField("flags", 10, header->flags,
                              "no flags are defined in version 1");
  }
  if (header->coordinate_count > kMaxCoordinateCount) {
    return MakeError(ErrorCode::kLimitExceeded,
                     absl::StrCat("packet header field `coordinate_count` at "
                                  "offset 32 is ",
                                  header->coordinate_count, "; the limit is ",
                                  kMaxCoordinateCount));
  }
  if (header->packet_kind == PacketKind::kKey &&
      header->reference_fingerprint != 0) {
    return InvalidHeaderField("reference_fingerprint", 40,
                              header->reference_fingerprint,
                              "a key packet must carry 0");
  }
  return absl::OkStatus();
}

absl::Status ReadSections(absl::Span<const uint8_t> packet,
                          size_t header_size, ParsedPacket* parsed) {
  const absl::Span<const uint8_t> body = packet.subspan(
      header_size, packet.size() - header_size - kPacketTrailerSize);
  ByteReader reader(body, header_size);
  return ReadSectionTable(
      reader, kMaxPacketSize, IsKnownPacketSectionType,
      [parsed](const SectionView& section, bool known) {
        if (known) {
          parsed->sections.push_back(section);
        } else {
          parsed->skipped.push_back(section);
        }
        return absl::OkStatus();
      });
}

absl::Status CheckLayout(ParsedPacket* parsed) {
  const SectionView* layout_section = parsed->Find(kSectionLayout);
  const bool is_key = parsed->header.packet_kind == PacketKind::kKey;
  if (is_key && layout_section == nullptr) {
    return MakeError(ErrorCode::kSectionPresence,
                     "a key packet must carry a layout section (type 0x01)");
  }
  if (!is_key) {
    if (layout_section != nullptr) {
      return MakeError(ErrorCode::kSectionPresence,
                       "a delta packet must not carry a layout section "
                       "(type 0x01)");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<Layout> layout =
      ParseLayout(layout_section->payload, layout_section->offset);
  if (!layout.ok()) return layout.status();
  const uint64_t coordinates = layout->coordinate_count();
  if (coordinates != parsed->header.coordinate_count) {
    return InvalidHeaderField(
        "coordinate_count", 32, parsed->header.coordinate_count,
        absl::StrCat("the layout section holds ", coordinates,
                     " coordinates"));
  }
  const uint64_t fingerprint = LayoutFingerprint(layout_section->payload);
  if (fingerprint != parsed->header.layout_fingerprint) {
    return InvalidHeaderField(
        "layout_fingerprint", 24, parsed->header.layout_fingerprint,
        absl::StrCat("the layout section's XXH3-64 is ", fingerprint));
  }
  parsed->layout = *std::move(layout);
  return absl::OkStatus();
}

}  // namespace

const SectionView* ParsedPacket::Find(uint8_t type) const {
  for (const SectionView& section : sections) {
    if (section.type == type) return &section;
  }
  return nullptr;
}

absl::StatusOr<ParsedPacket> ParsePacket(absl::Span<const uint8_t> packet) {
  uint16_t header_size = 0;
  if (absl::Status s = CheckFraming(packet, &header_size); !s.ok()) return s;

  const size_t checked_size = packet.size() - kPacketTrailerSize;
  ParsedPacket parsed;
  ByteReader trailer(packet.subspan(checked_size), checked_size);
  trailer.ReadU64("checksum", &parsed.checksum).IgnoreError();
  const uint64_t actual = Xxh3(packet.first(checked_size));
  if (actual != parsed.checksum) {
    return MakeError(ErrorCode::kChecksumMismatch,
                     absl::StrCat("packet field `checksum` at offset ",
                                  checked_size, " is 0x",
                                  absl::Hex(parsed.checksum, absl::kZeroPad16),
                                  " but the packet's XXH3-64 is 0x",
                                  absl::Hex(actual, absl::kZeroPad16)));
  }
  if (absl::Status s = ReadHeaderFields(packet, &parsed.header); !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadSections(packet, header_size, &parsed); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckLayout(&parsed); !s.ok()) return s;
  return parsed;
}

std::vector<uint8_t> SerializePacket(const PacketHeader& header,
                                     absl::Span<const SectionData> sections) {
  std::vector<uint8_t> out;
  SerializePacket(header, sections, &out);
  return out;
}

void SerializePacket(const PacketHeader& header,
                     absl::Span<const SectionData> sections,
                     std::vector<uint8_t>* packet) {
  std::vector<uint8_t>& out = *packet;
  out.clear();
  size_t total = kPacketFixedHeaderSize + kPacketTrailerSize;
  for (const SectionData& section : sections) {
    total += 1 + VarintLength(section.payload.size()) + section.payload.size();
  }
  out.reserve(total);
  ByteWriter writer(&out);
  writer.WriteBytes(absl::MakeConstSpan(kPacketMagic));
  writer.WriteU8(header.version_major);
  writer.WriteU8(header.version_minor);
  writer.WriteU16(static_cast<uint16_t>(kPacketFixedHeaderSize));
  writer.WriteU8(static_cast<uint8_t>(header.packet_kind));
  writer.WriteU8(header.method_id);
  writer.WriteU16(header.flags);
  writer.WriteU32(header.stream_id);
  writer.WriteU64(header.sequence);
  writer.WriteU64(header.layout_fingerprint);
  writer.WriteU64(header.coordinate_count);
  writer.WriteU64(header.reference_fingerprint);
  for (const SectionData& section : sections) {
    writer.WriteU8(section.type);
    writer.WriteLengthPrefixed(section.payload);
  }
  writer.WriteU64(Xxh3(out));
}

void RewriteChecksum(std::vector<uint8_t>* packet) {
  const size_t checked_size = packet->size() - kPacketTrailerSize;
  ByteWriter(packet).PatchU64(
      checked_size, Xxh3(absl::MakeConstSpan(*packet).first(checked_size)));
}

}  // namespace gradcodec::internal
