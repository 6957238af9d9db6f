#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "format/byte_reader.h"
#include "format/checksum.h"
#include "format/container_format.h"
#include "format/container_metadata.h"
#include "format/packet.h"
#include "gradcodec/container.h"
#include "gradcodec/error_code.h"
#include "gradcodec/limits.h"

namespace gradcodec {
namespace {

using internal::ByteReader;
using internal::Xxh3;

// Reads the file header (spec "File header") and returns where the records
// begin.
absl::StatusOr<uint64_t> ReadFileHeader(absl::Span<const uint8_t> file,
                                         ContainerMetadata* metadata,
                                         uint64_t* layout_fingerprint) {
  ByteReader reader(file);
  if (absl::Status s = reader.ReadMagic("file", internal::kContainerMagic);
      !s.ok()) {
    return s;
  }
  uint8_t major = 0;
  uint8_t minor = 0;
  uint16_t flags = 0;
  uint32_t metadata_size = 0;
  if (absl::Status s = reader.ReadU8("version_major", &major); !s.ok()) {
    return s;
  }
  if (major != kContainerVersionMajor) {
    return MakeError(ErrorCode::kUnsupportedVersion,
                     absl::StrCat("file header field `version_major` at "
                                  "offset 4 is ",
                                  major, "; this build reads version ",
                                  kContainerVersionMajor));
  }
  if (absl::Status s = reader.ReadU8("version_minor", &minor); !s.ok()) {
    return s;
  }
  if (absl::Status s = reader.ReadU16("flags", &flags); !s.ok()) return s;
  if (absl::Status s = reader.ReadU32("metadata_size", &metadata_size);
      !s.ok()) {
    return s;
  }
  if (metadata_size > kMaxMetadataSize) {
    return MakeError(ErrorCode::kLimitExceeded,
                     absl::StrCat("file header field `metadata_size` at "
                                  "offset 8 is ",
                                  metadata_size, "; the limit is ",
                                  kMaxMetadataSize));
  }
  absl::Span<const uint8_t> metadata_bytes;
  if (absl::Status s =
          reader.ReadBytes("metadata", metadata_size, &metadata_bytes);
      !s.ok()) {
    return s;
  }
  const size_t checked_size = reader.position();
  uint64_t stored_checksum = 0;
  if (absl::Status s = reader.ReadU64("header_checksum", &stored_checksum);
      !s.ok()) {
    return s;
  }
  const uint64_t actual = Xxh3(file.first(checked_size));
  if (actual != stored_checksum) {
    return MakeError(ErrorCode::kChecksumMismatch,
                     absl::StrCat("file header field `header_checksum` at "
                                  "offset ",
                                  checked_size, " is 0x",
                                  absl::Hex(stored_checksum, absl::kZeroPad16),
                                  " but the header's XXH3-64 is 0x",
                                  absl::Hex(actual, absl::kZeroPad16)));
  }
  if (flags != 0) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("file header field `flags` at offset 6 is ",
                                  flags, "; no flags are defined in version 1"));
  }
  absl::StatusOr<ContainerMetadata> parsed = internal::ParseMetadata(
      metadata_bytes, internal::kContainerFixedHeaderSize, layout_fingerprint);
  if (!parsed.ok()) return parsed.status();
  *metadata = *std::move(parsed);
  return reader.position();
}

// Reads the record framing at `offset`: tag 'P' and the packet size. Fills
// the entry's offsets; the packet itself is not examined.
absl::Status ReadPacketRecordFraming(absl::Span<const uint8_t> file,
                                     uint64_t offset, uint64_t end,
                                     ContainerEntry* entry) {
  ByteReader reader(file.subspan(offset, end - offset), offset);
  uint8_t tag = 0;
  if (absl::Status s = reader.ReadU8("record_tag", &tag); !s.ok()) return s;
  if (tag != internal::kRecordTagPacket) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("field `record_tag` at offset ", offset,
                                  " is 0x", absl::Hex(tag, absl::kZeroPad2),
                                  "; expected 0x50 ('P')"));
  }
  uint64_t packet_size = 0;
  if (absl::Status s =
          reader.ReadVarintAtMost("packet_size", kMaxPacketSize, &packet_size);
      !s.ok()) {
    return s;
  }
  // A record that runs past the end is a file cut short: TRUNCATED, where a
  // length inside a packet would be LENGTH_OUT_OF_BOUNDS.
  if (packet_size > reader.remaining()) {
    return MakeError(ErrorCode::kTruncated,
                     absl::StrCat("packet record at offset ", offset,
                                  ": field `packet_size` is ", packet_size,
                                  " but only ", reader.remaining(),
                                  " bytes remain"));
  }
  entry->record_offset = offset;
  entry->packet_offset = reader.absolute_position();
  entry->packet_size = packet_size;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ContainerReader> ContainerReader::Open(
    absl::Span<const uint8_t> file) {
  ContainerReader reader;
  reader.file_ = file;
  absl::StatusOr<uint64_t> data_start =
      ReadFileHeader(file, &reader.metadata_, &reader.layout_fingerprint_);
  if (!data_start.ok()) return data_start.status();
  reader.index_status_ = reader.ReadIndex(*data_start);
  if (reader.index_status_.ok()) {
    reader.has_index_ = true;
    reader.stop_offset_ = file.size();
  } else {
    reader.entries_.clear();
    reader.ScanRecords(*data_start);
  }
  return reader;
}

absl::Status ContainerReader::ReadIndex(uint64_t data_start) {
  const uint64_t size = file_.size();
  if (size < data_start + internal::kContainerTailSize) {
    return MakeError(ErrorCode::kTruncated,
                     "the file is too short to end with an index tail");
  }
  const uint64_t tail_offset = size - internal::kContainerTailSize;
  ByteReader tail(file_.subspan(tail_offset), tail_offset);
  uint64_t index_offset = 0;
  absl::Span<const uint8_t> magic;
  tail.ReadU64("index_offset", &index_offset).IgnoreError();
  tail.ReadBytes("tail_magic", 4, &magic).IgnoreError();
  if (std::memcmp(magic.data(), internal::kContainerTailMagic, 4) != 0) {
    // Not BAD_MAGIC: the usual cause is a file cut short, by a writer that
    // died or a copy that stopped, and the reader goes on to scan it.
    return MakeError(ErrorCode::kTruncated,
                     absl::StrCat("field `tail_magic` at offset ",
                                  tail_offset + 8,
                                  " is not \"GCSE\": the file does not end "
                                  "with an index (was its writer stopped?)"));
  }
  if (index_offset < data_start || index_offset >= tail_offset) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("field `index_offset` at offset ",
                                  tail_offset, " is ", index_offset,
                                  "; it must be in [", data_start, ", ",
                                  tail_offset, ")"));
  }
  // The index record runs from index_offset to the tail and ends with its
  // checksum, so the checksum is verified before any entry is trusted.
  if (tail_offset - index_offset < 1 + 1 + 8) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("field `index_offset` is ", index_offset,
                                  ", leaving ", tail_offset - index_offset,
                                  " bytes for the index record; it needs at "
                                  "least 10"));
  }
  const uint64_t checksum_offset = tail_offset - 8;
  uint64_t stored_checksum = 0;
  ByteReader(file_.subspan(checksum_offset, 8), checksum_offset)
      .ReadU64("index_checksum", &stored_checksum)
      .IgnoreError();
  const uint64_t actual =
      Xxh3(file_.subspan(index_offset, checksum_offset - index_offset));
  if (actual != stored_checksum) {
    return MakeError(ErrorCode::kChecksumMismatch,
                     absl::StrCat("field `index_checksum` at offset ",
                                  checksum_offset, " is 0x",
                                  absl::Hex(stored_checksum, absl::kZeroPad16),
                                  " but the index record's XXH3-64 is 0x",
                                  absl::Hex(actual, absl::kZeroPad16)));
  }
  ByteReader reader(file_.subspan(index_offset, checksum_offset - index_offset),
                    index_offset);
  uint8_t tag = 0;
  reader.ReadU8("record_tag", &tag).IgnoreError();
  if (tag != internal::kRecordTagIndex) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("field `record_tag` at offset ", index_offset,
                                  " is 0x", absl::Hex(tag, absl::kZeroPad2),
                                  "; expected 0x49 ('I')"));
  }
  uint64_t count = 0;
  if (absl::Status s = reader.ReadCount("entry_count", ~uint64_t{0},
                                        internal::kMinIndexEntrySize, &count);
      !s.ok()) {
    return s;
  }
  entries_.reserve(static_cast<size_t>(count));
  for (uint64_t i = 0; i < count; ++i) {
    ContainerEntry& entry = entries_.emplace_back();
    uint8_t flags = 0;
    if (absl::Status s = reader.ReadVarint("entry_sequence", &entry.sequence);
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            reader.ReadVarint("entry_record_offset", &entry.record_offset);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = reader.ReadU8("entry_flags", &flags); !s.ok()) {
      return s;
    }
    if ((flags & ~internal::kIndexEntryKeyFlag) != 0) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("index entry ", i, ": field `entry_flags` "
                                    "is ",
                                    flags, "; only bit 0 is defined"));
    }
    entry.is_key = (flags & internal::kIndexEntryKeyFlag) != 0;
  }
  if (absl::Status s = reader.ExpectEnd("the index entries"); !s.ok()) return s;
  // The records the index names must tile [data_start, index_offset) exactly,
  // in order, and agree with the headers of the packets they hold.
  uint64_t expected_offset = data_start;
  for (size_t i = 0; i < entries_.size(); ++i) {
    ContainerEntry& entry = entries_[i];
    if (entry.record_offset != expected_offset) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("index entry ", i,
                                    ": field `entry_record_offset` is ",
                                    entry.record_offset, "; the record is at ",
                                    expected_offset));
    }
    if (i > 0 && entry.sequence <= entries_[i - 1].sequence) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("index entry ", i,
                                    ": field `entry_sequence` ", entry.sequence,
                                    " does not increase"));
    }
    if (absl::Status s = ReadPacketRecordFraming(file_, entry.record_offset,
                                                 index_offset, &entry);
        !s.ok()) {
      return s;
    }
    // Cross-check the entry against the packet header (unverified bytes:
    // the packet checksum is checked when the packet is parsed).
    const absl::Span<const uint8_t> packet = this->packet(i);
    if (packet.size() < kPacketFixedHeaderSize) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("index entry ", i, ": its packet is ",
                                    packet.size(), " bytes, shorter than a "
                                    "packet header"));
    }
    ByteReader header(packet.subspan(8, 16));
    uint8_t kind = 0;
    uint64_t sequence = 0;
    header.ReadU8("packet_kind", &kind).IgnoreError();
    header.Skip("method_id, flags, stream_id", 7).IgnoreError();
    header.ReadU64("sequence", &sequence).IgnoreError();
    if (sequence != entry.sequence ||
        (kind == static_cast<uint8_t>(PacketKind::kKey)) != entry.is_key) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("index entry ", i, " (sequence ",
                                    entry.sequence, ", key ", entry.is_key,
                                    ") disagrees with its packet (sequence ",
                                    sequence, ", packet_kind ", kind, ")"));
    }
    expected_offset = entry.packet_offset + entry.packet_size;
  }
  if (expected_offset != index_offset) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("field `index_offset` is ", index_offset,
                                  " but the indexed records end at ",
                                  expected_offset));
  }
  return absl::OkStatus();
}

void ContainerReader::ScanRecords(uint64_t data_start) {
  uint64_t offset = data_start;
  const uint64_t size = file_.size();
  absl::Status stop;
  while (offset < size) {
    if (file_[offset] == internal::kRecordTagIndex) {
      // The writer got as far as the index but the tail is missing or bad.
      stop = index_status_;
      break;
    }
    ContainerEntry entry;
    if (stop = ReadPacketRecordFraming(file_, offset, size, &entry);
        !stop.ok()) {
      break;
    }
    absl::StatusOr<internal::ParsedPacket> parsed = internal::ParsePacket(
        file_.subspan(entry.packet_offset, entry.packet_size));
    if (!parsed.ok()) {
      stop = MakeError(GetErrorCode(parsed.status()),
                       absl::StrCat("packet record at offset ", offset, ": ",
                                    parsed.status().message()));
      break;
    }
    if (parsed->header.layout_fingerprint != layout_fingerprint_) {
      stop = MakeError(
          ErrorCode::kInvalidField,
          absl::StrCat("packet record at offset ", offset,
                       ": field `layout_fingerprint` is ",
                       parsed->header.layout_fingerprint,
                       "; the file's layout fingerprint is ",
                       layout_fingerprint_));
      break;
    }
    entry.sequence = parsed->header.sequence;
    entry.is_key = parsed->header.packet_kind == PacketKind::kKey;
    if (!entries_.empty() && entry.sequence <= entries_.back().sequence) {
      stop = MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("packet record at offset ", offset,
                                    ": field `sequence` ", entry.sequence,
                                    " does not increase"));
      break;
    }
    entries_.push_back(entry);
    offset = entry.packet_offset + entry.packet_size;
  }
  stop_reason_ = std::move(stop);
  stop_offset_ = offset;
}

absl::Span<const uint8_t> ContainerReader::packet(size_t i) const {
  return file_.subspan(entries_[i].packet_offset, entries_[i].packet_size);
}

absl::StatusOr<size_t> ContainerReader::FindKeyAtOrBefore(
    uint64_t sequence) const {
  // Sequences strictly increase, so the candidates are a prefix.
  auto it = std::upper_bound(
      entries_.begin(), entries_.end(), sequence,
      [](uint64_t s, const ContainerEntry& e) { return s < e.sequence; });
  while (it != entries_.begin()) {
    --it;
    if (it->is_key) return static_cast<size_t>(it - entries_.begin());
  }
  return MakeError(ErrorCode::kNotFound,
                   absl::StrCat("no key packet at or before sequence ",
                                sequence));
}

}  // namespace gradcodec
