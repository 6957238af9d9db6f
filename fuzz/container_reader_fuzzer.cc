// Fuzz target: the .gcs container reader (gradcodec/container.h).
//
// Checks that whatever opens yields entries whose packets lie inside the
// input, in increasing sequence order, and that seeking and parsing each
// packet is safe. Each input also runs with its checksums repaired (see
// checksum_repair.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <vector>

#include "checksum_repair.h"
#include "format/packet.h"
#include "gradcodec/container.h"
#include "gradcodec/error_code.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckContainer(const uint8_t* data, size_t size) {
  using namespace gradcodec;
  absl::StatusOr<ContainerReader> reader =
      ContainerReader::Open(absl::Span<const uint8_t>(data, size));
  if (!reader.ok()) {
    Check(GetErrorCode(reader.status()) != ErrorCode::kInternal);
    return;
  }
  Check(reader->has_index() == reader->index_status().ok());
  Check(reader->stop_offset() <= size);
  const auto entries = reader->entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    Check(entries[i].packet_offset + entries[i].packet_size <= size);
    Check(entries[i].record_offset < entries[i].packet_offset);
    if (i > 0) Check(entries[i].sequence > entries[i - 1].sequence);
    const absl::Span<const uint8_t> packet = reader->packet(i);
    Check(packet.data() == data + entries[i].packet_offset);
    absl::StatusOr<internal::ParsedPacket> parsed =
        internal::ParsePacket(packet);
    // Without an index every listed packet was verified by the scan.
    if (!reader->has_index()) Check(parsed.ok());
    if (parsed.ok()) Check(parsed->header.sequence == entries[i].sequence);
    absl::StatusOr<size_t> key = reader->FindKeyAtOrBefore(entries[i].sequence);
    if (key.ok()) {
      Check(*key <= i && entries[*key].is_key);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckContainer(data, size);
  std::vector<uint8_t> repaired(data, data + size);
  gradcodec::fuzz::RepairContainerChecksums(repaired);
  CheckContainer(repaired.data(), repaired.size());
  return 0;
}
