// Stateless inspection of one gradcodec packet (spec/FORMAT.md, "Packet").
//
// ReadPacketInfo validates a packet's framing (magic, version, checksum,
// header fields, section table, and for key packets the layout) without
// decoding its payload, so a transport can route, log or drop packets
// without holding a decoder.
#ifndef GRADCODEC_PACKET_INFO_H_
#define GRADCODEC_PACKET_INFO_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gradcodec/layout.h"

namespace gradcodec {

// Spec field `packet_kind`.
enum class PacketKind : uint8_t {
  kKey = 1,    // carries everything a fresh decoder needs
  kDelta = 2,  // carries changes against the decoder's reference state
};

// The format version this library writes. It reads every minor version of
// major version kFormatVersionMajor, and writes the lowest minor version
// whose features a packet uses (spec section 8.2): 0,
// kShiftedMethodsVersionMinor for the methods that minor version added, or
// kAdaptiveFlipsVersionMinor for a signxor delta with an `adaptive_flips`
// section, or kGroupedFlipsVersionMinor for one with `grouped_flips`.
inline constexpr uint8_t kFormatVersionMajor = 1;
inline constexpr uint8_t kFormatVersionMinor = 0;
// Minor version 1 added method ids 5..11 (the shifted methods) and their
// method sections 0x10..0x14.
inline constexpr uint8_t kShiftedMethodsVersionMinor = 1;
// Minor version 2 added method section 0x05 (`adaptive_flips`) to signxor
// delta packets.
inline constexpr uint8_t kAdaptiveFlipsVersionMinor = 2;
// Minor version 3 added method section 0x06 (`grouped_flips`) to signxor
// delta packets.
inline constexpr uint8_t kGroupedFlipsVersionMinor = 3;

// The fixed packet header, field for field (spec/FORMAT.md, "Packet header").
struct PacketHeader {
  uint8_t version_major = kFormatVersionMajor;
  uint8_t version_minor = kFormatVersionMinor;
  uint16_t header_size = 48;
  PacketKind packet_kind = PacketKind::kKey;
  uint8_t method_id = 0;
  uint16_t flags = 0;
  uint32_t stream_id = 0;
  uint64_t sequence = 0;
  uint64_t layout_fingerprint = 0;
  uint64_t coordinate_count = 0;
  uint64_t reference_fingerprint = 0;

  bool operator==(const PacketHeader&) const = default;
};

struct SectionInfo {
  uint8_t type = 0;
  // False for a section in the skippable range that this build does not know;
  // such sections are reported and otherwise ignored.
  bool known = true;
  uint64_t offset = 0;  // of the payload, from the start of the packet
  uint64_t size = 0;    // payload bytes
};

struct PacketInfo {
  PacketHeader header;
  std::vector<SectionInfo> sections;  // in packet order
  std::optional<Layout> layout;       // present in key packets
  uint64_t checksum = 0;
  uint64_t total_size = 0;
};

// Validates `packet` (one whole packet, no framing around it) and describes it.
// Errors (see spec/FORMAT.md, "Errors"): TRUNCATED, BAD_MAGIC,
// UNSUPPORTED_VERSION, CHECKSUM_MISMATCH, INVALID_FIELD, LIMIT_EXCEEDED,
// MALFORMED_VARINT, LENGTH_OUT_OF_BOUNDS, SECTION_ORDER, SECTION_PRESENCE,
// UNKNOWN_CRITICAL_SECTION. Thread-safe; does not retain `packet`.
absl::StatusOr<PacketInfo> ReadPacketInfo(absl::Span<const uint8_t> packet);

}  // namespace gradcodec

#endif  // GRADCODEC_PACKET_INFO_H_
