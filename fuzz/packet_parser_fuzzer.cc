// Fuzz target: the packet parser (format/packet.h) and ReadPacketInfo.
//
// Beyond "no crash, no leak, no UB", it checks the parser's promises: an
// accepted packet has sections inside the input in increasing type order, a
// key packet has a layout matching coordinate_count, and a canonical packet
// (48-byte header, no skipped sections) re-serialises to the same bytes.
// Each input also runs with its checksum repaired (see checksum_repair.h).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "checksum_repair.h"
#include "format/packet.h"
#include "gradcodec/error_code.h"
#include "gradcodec/packet_info.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckPacket(const uint8_t* data, size_t size) {
  using namespace gradcodec;
  const absl::Span<const uint8_t> input(data, size);
  absl::StatusOr<internal::ParsedPacket> parsed = internal::ParsePacket(input);
  absl::StatusOr<PacketInfo> info = ReadPacketInfo(input);
  Check(parsed.ok() == info.ok());
  if (!parsed.ok()) {
    // Every rejection carries a code from the list, never INTERNAL.
    Check(GetErrorCode(parsed.status()) != ErrorCode::kInternal);
    Check(GetErrorCode(parsed.status()) == GetErrorCode(info.status()));
    return;
  }
  Check(info->total_size == size);
  Check(info->sections.size() ==
        parsed->sections.size() + parsed->skipped.size());
  int previous = 0;
  for (const SectionInfo& section : info->sections) {
    Check(section.type > previous);
    previous = section.type;
    Check(section.offset + section.size <= size);
  }
  if (parsed->header.packet_kind == PacketKind::kKey) {
    Check(parsed->layout.has_value());
    Check(parsed->layout->coordinate_count() ==
          parsed->header.coordinate_count);
  }
  if (parsed->header.header_size == 48 && parsed->skipped.empty()) {
    std::vector<internal::SectionData> sections;
    for (const internal::SectionView& s : parsed->sections) {
      sections.push_back({s.type, s.payload});
    }
    const std::vector<uint8_t> again =
        internal::SerializePacket(parsed->header, sections);
    Check(again.size() == size &&
          std::equal(again.begin(), again.end(), data));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckPacket(data, size);
  std::vector<uint8_t> repaired(data, data + size);
  gradcodec::fuzz::RepairPacketChecksum(repaired);
  CheckPacket(repaired.data(), repaired.size());
  return 0;
}
