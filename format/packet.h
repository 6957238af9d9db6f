// Packet parsing and serialisation (spec/FORMAT.md, "Packet").
//
//   packet  = header, sections, checksum
//   header  = 48 fixed bytes (+ extension bytes up to `header_size`)
//   section = type (u8), length (varint), payload
//   checksum= XXH3-64 (seed 0) of every byte before it, little-endian
//
// ParsePacket checks in the order the spec prescribes, so a given invalid
// input always produces the same error code on every implementation.
#ifndef GRADCODEC_FORMAT_PACKET_H_
#define GRADCODEC_FORMAT_PACKET_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "format/section_table.h"
#include "gradcodec/layout.h"
#include "gradcodec/packet_info.h"

namespace gradcodec::internal {

inline constexpr uint8_t kPacketMagic[4] = {'G', 'C', 'P', 'K'};

// A validated packet whose sections view the caller's bytes: it is valid only
// while those bytes are.
struct ParsedPacket {
  PacketHeader header;
  // Known sections, in increasing type order. Unknown skippable sections
  // are listed in `skipped` instead.
  absl::InlinedVector<SectionView, 8> sections;
  absl::InlinedVector<SectionView, 2> skipped;
  std::optional<Layout> layout;  // parsed from the layout section of a key
  uint64_t checksum = 0;

  // The section of the given type, or nullptr.
  const SectionView* Find(uint8_t type) const;
};

absl::StatusOr<ParsedPacket> ParsePacket(absl::Span<const uint8_t> packet);

// A section to serialise.
struct SectionData {
  uint8_t type = 0;
  absl::Span<const uint8_t> payload;
};

// Serialises a packet. The caller guarantees a valid header (header_size 48)
// and sections in strictly increasing type order; the checksum is computed.
std::vector<uint8_t> SerializePacket(const PacketHeader& header,
                                     absl::Span<const SectionData> sections);
// The same into `out`, replacing its contents (a caller that sends a packet
// every step keeps one buffer rather than fresh pages every time).
void SerializePacket(const PacketHeader& header,
                     absl::Span<const SectionData> sections,
                     std::vector<uint8_t>* out);

// Recomputes the trailing checksum of `packet` in place (for tools that build
// deliberately odd packets, such as the test vector generator).
void RewriteChecksum(std::vector<uint8_t>* packet);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_PACKET_H_
