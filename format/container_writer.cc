#include "absl/strings/str_cat.h"
#include "format/byte_writer.h"
#include "format/checksum.h"
#include "format/container_format.h"
#include "format/container_metadata.h"
#include "format/packet.h"
#include "gradcodec/container.h"
#include "gradcodec/error_code.h"
#include "gradcodec/limits.h"

namespace gradcodec {

using internal::ByteWriter;

absl::StatusOr<ContainerWriter> ContainerWriter::Create(
    const ContainerMetadata& metadata, ByteSink* sink) {
  if (sink == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument, "sink is null");
  }
  if (absl::Status s = ValidateLayout(metadata.layout); !s.ok()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("container metadata layout: ", s.message()));
  }
  if (absl::Status s = internal::ValidateSettings(metadata.settings); !s.ok()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("container metadata: ", s.message()));
  }
  std::vector<uint8_t> metadata_bytes;
  const uint64_t layout_fingerprint =
      internal::SerializeMetadata(metadata, &metadata_bytes);
  if (metadata_bytes.size() > kMaxMetadataSize) {
    return MakeError(ErrorCode::kLimitExceeded,
                     absl::StrCat("container metadata is ",
                                  metadata_bytes.size(),
                                  " bytes; the limit is ", kMaxMetadataSize));
  }
  std::vector<uint8_t> header;
  ByteWriter writer(&header);
  writer.WriteBytes(absl::MakeConstSpan(internal::kContainerMagic));
  writer.WriteU8(kContainerVersionMajor);
  writer.WriteU8(kContainerVersionMinor);
  writer.WriteU16(0);  // flags
  writer.WriteU32(static_cast<uint32_t>(metadata_bytes.size()));
  writer.WriteBytes(metadata_bytes);
  writer.WriteU64(internal::Xxh3(header));

  ContainerWriter container(sink, layout_fingerprint);
  if (absl::Status s = container.Emit(header); !s.ok()) return s;
  return container;
}

absl::Status ContainerWriter::Emit(absl::Span<const uint8_t> bytes) {
  if (absl::Status s = sink_->Write(bytes); !s.ok()) return s;
  offset_ += bytes.size();
  return absl::OkStatus();
}

absl::Status ContainerWriter::AppendPacket(absl::Span<const uint8_t> packet) {
  if (finished_) {
    return MakeError(ErrorCode::kBadState,
                     "AppendPacket after Finish on a container writer");
  }
  absl::StatusOr<internal::ParsedPacket> parsed = internal::ParsePacket(packet);
  if (!parsed.ok()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("not a valid packet: ",
                                  parsed.status().message()));
  }
  const PacketHeader& header = parsed->header;
  if (header.layout_fingerprint != layout_fingerprint_) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("packet field `layout_fingerprint` is ",
                                  header.layout_fingerprint,
                                  "; the file's layout fingerprint is ",
                                  layout_fingerprint_));
  }
  if (!entries_.empty() && header.sequence <= entries_.back().sequence) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("packet field `sequence` is ",
                                  header.sequence,
                                  "; it must exceed the previous packet's ",
                                  entries_.back().sequence));
  }
  std::vector<uint8_t> framing;
  ByteWriter writer(&framing);
  writer.WriteU8(internal::kRecordTagPacket);
  writer.WriteVarint(packet.size());
  ContainerEntry entry;
  entry.sequence = header.sequence;
  entry.is_key = header.packet_kind == PacketKind::kKey;
  entry.record_offset = offset_;
  entry.packet_offset = offset_ + framing.size();
  entry.packet_size = packet.size();
  if (absl::Status s = Emit(framing); !s.ok()) return s;
  if (absl::Status s = Emit(packet); !s.ok()) return s;
  entries_.push_back(entry);
  return absl::OkStatus();
}

absl::Status ContainerWriter::Finish() {
  if (finished_) {
    return MakeError(ErrorCode::kBadState,
                     "Finish called twice on a container writer");
  }
  finished_ = true;
  const uint64_t index_offset = offset_;
  std::vector<uint8_t> index;
  ByteWriter writer(&index);
  writer.WriteU8(internal::kRecordTagIndex);
  writer.WriteVarint(entries_.size());
  for (const ContainerEntry& entry : entries_) {
    writer.WriteVarint(entry.sequence);
    writer.WriteVarint(entry.record_offset);
    writer.WriteU8(entry.is_key ? internal::kIndexEntryKeyFlag : 0);
  }
  writer.WriteU64(internal::Xxh3(index));
  writer.WriteU64(index_offset);
  writer.WriteBytes(absl::MakeConstSpan(internal::kContainerTailMagic));
  return Emit(index);
}

}  // namespace gradcodec
