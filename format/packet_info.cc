#include "gradcodec/packet_info.h"

#include <algorithm>

#include "format/packet.h"

namespace gradcodec {

absl::StatusOr<PacketInfo> ReadPacketInfo(absl::Span<const uint8_t> packet) {
  absl::StatusOr<internal::ParsedPacket> parsed = internal::ParsePacket(packet);
  if (!parsed.ok()) return parsed.status();
  PacketInfo info;
  info.header = parsed->header;
  info.checksum = parsed->checksum;
  info.total_size = packet.size();
  info.layout = std::move(parsed->layout);
  info.sections.reserve(parsed->sections.size() + parsed->skipped.size());
  for (const internal::SectionView& s : parsed->sections) {
    info.sections.push_back({s.type, true, s.offset, s.payload.size()});
  }
  for (const internal::SectionView& s : parsed->skipped) {
    info.sections.push_back({s.type, false, s.offset, s.payload.size()});
  }
  // Both lists are in increasing type order; merge them back into packet
  // order, which is the same order.
  std::sort(info.sections.begin(), info.sections.end(),
            [](const SectionInfo& a, const SectionInfo& b) {
              return a.offset < b.offset;
            });
  return info;
}

}  // namespace gradcodec
