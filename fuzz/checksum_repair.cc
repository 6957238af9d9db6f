#include "checksum_repair.h"

#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "format/checksum.h"
#include "format/container_format.h"
#include "gradcodec/limits.h"

namespace gradcodec::fuzz {

using internal::ByteReader;

void RepairPacketChecksum(std::vector<uint8_t>& packet) {
  if (packet.size() < kPacketTrailerSize) return;
  const size_t checked = packet.size() - kPacketTrailerSize;
  internal::ByteWriter(&packet).PatchU64(
      checked, internal::Xxh3(absl::MakeConstSpan(packet).first(checked)));
}

void RepairContainerChecksums(std::vector<uint8_t>& file) {
  ByteReader reader(file);
  uint32_t metadata_size = 0;
  if (!reader.Skip("fixed", 8).ok() ||
      !reader.ReadU32("metadata_size", &metadata_size).ok() ||
      !reader.Skip("metadata", metadata_size).ok() ||
      reader.remaining() < 8) {
    return;
  }
  const size_t header_end = reader.position();
  internal::ByteWriter(&file).PatchU64(
      header_end,
      internal::Xxh3(absl::MakeConstSpan(file).first(header_end)));
  reader.Skip("header_checksum", 8).IgnoreError();
  while (!reader.empty()) {
    uint8_t tag = 0;
    reader.ReadU8("record_tag", &tag).IgnoreError();
    if (tag == internal::kRecordTagIndex) break;
    uint64_t size = 0;
    if (!reader.ReadVarint("packet_size", &size).ok() ||
        size > reader.remaining() || size < kPacketTrailerSize) {
      break;
    }
    const size_t start = reader.position();
    std::vector<uint8_t> packet(file.begin() + start,
                                file.begin() + start + size);
    RepairPacketChecksum(packet);
    std::copy(packet.begin(), packet.end(), file.begin() + start);
    reader.Skip("packet", size).IgnoreError();
  }
  // The index checksum sits just before the 12-byte tail.
  if (file.size() >= header_end + 8 + internal::kContainerTailSize + 10) {
    ByteReader tail(absl::MakeConstSpan(file).last(internal::kContainerTailSize));
    uint64_t index_offset = 0;
    tail.ReadU64("index_offset", &index_offset).IgnoreError();
    const size_t checksum_offset =
        file.size() - internal::kContainerTailSize - 8;
    if (index_offset < checksum_offset) {
      internal::ByteWriter(&file).PatchU64(
          checksum_offset,
          internal::Xxh3(absl::MakeConstSpan(file).subspan(
              index_offset, checksum_offset - index_offset)));
    }
  }
}

}  // namespace gradcodec::fuzz
