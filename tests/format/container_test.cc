#include "gradcodec/container.h"

#include <algorithm>
#include <vector>

#include "format/layout_section.h"
#include "format/packet.h"
#include "gradcodec/error_code.h"
#include "gtest/gtest.h"

namespace gradcodec {
namespace {

using Bytes = std::vector<uint8_t>;

ContainerMetadata Metadata() {
  ContainerMetadata metadata;
  metadata.layout.tensors = {{"w", {4, 4}, DType::kFloat32, 4},
                             {"b", {4}, DType::kFloat32, 0}};
  metadata.settings = {{"method", "test"}, {"block_size", "4"}};
  return metadata;
}

Bytes MakePacket(uint64_t sequence, bool key, size_t payload_size) {
  Bytes layout;
  internal::SerializeLayout(Metadata().layout, &layout);
  PacketHeader header;
  header.packet_kind = key ? PacketKind::kKey : PacketKind::kDelta;
  header.method_id = 2;
  header.sequence = sequence;
  header.layout_fingerprint = internal::LayoutFingerprint(layout);
  header.coordinate_count = 20;
  header.reference_fingerprint = key ? 0 : sequence * 31;
  const Bytes payload(payload_size, static_cast<uint8_t>(sequence));
  std::vector<internal::SectionData> sections;
  if (key) sections.push_back({0x01, layout});
  sections.push_back({0x03, payload});
  return internal::SerializePacket(header, sections);
}

struct Stream {
  Bytes file;
  std::vector<Bytes> packets;
};

// Ten packets, keys every fourth step, payload sizes up to 300 bytes so that
// some record lengths need two varint bytes.
Stream WriteStream(bool finish) {
  Stream stream;
  VectorByteSink sink(&stream.file);
  absl::StatusOr<ContainerWriter> writer =
      ContainerWriter::Create(Metadata(), &sink);
  EXPECT_TRUE(writer.ok()) << writer.status();
  for (uint64_t step = 0; step < 10; ++step) {
    stream.packets.push_back(MakePacket(step * 2, step % 4 == 0, step * 30));
    EXPECT_TRUE(writer->AppendPacket(stream.packets.back()).ok());
  }
  if (finish) {
    EXPECT_TRUE(writer->Finish().ok());
  }
  return stream;
}

Bytes PacketBytes(const ContainerReader& reader, size_t i) {
  const absl::Span<const uint8_t> p = reader.packet(i);
  return Bytes(p.begin(), p.end());
}

TEST(ContainerTest, WrittenFileReadsBackThroughTheIndex) {
  const Stream stream = WriteStream(true);
  absl::StatusOr<ContainerReader> reader = ContainerReader::Open(stream.file);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_TRUE(reader->has_index());
  EXPECT_TRUE(reader->index_status().ok());
  ContainerMetadata expected = Metadata();
  std::sort(expected.settings.begin(), expected.settings.end());
  EXPECT_EQ(reader->metadata(), expected);
  ASSERT_EQ(reader->entries().size(), stream.packets.size());
  for (size_t i = 0; i < stream.packets.size(); ++i) {
    EXPECT_EQ(PacketBytes(*reader, i), stream.packets[i]);
    EXPECT_EQ(reader->entries()[i].sequence, i * 2);
    EXPECT_EQ(reader->entries()[i].is_key, i % 4 == 0);
  }
}

TEST(ContainerTest, FindKeyAtOrBefore) {
  const Stream stream = WriteStream(true);
  absl::StatusOr<ContainerReader> reader = ContainerReader::Open(stream.file);
  ASSERT_TRUE(reader.ok());
  // Keys are entries 0, 4, 8 at sequences 0, 8, 16.
  EXPECT_EQ(*reader->FindKeyAtOrBefore(0), 0u);
  EXPECT_EQ(*reader->FindKeyAtOrBefore(7), 0u);
  EXPECT_EQ(*reader->FindKeyAtOrBefore(8), 4u);
  EXPECT_EQ(*reader->FindKeyAtOrBefore(15), 4u);
  EXPECT_EQ(*reader->FindKeyAtOrBefore(1000), 8u);
}

TEST(ContainerTest, FileWithoutIndexIsReadByScanning) {
  const Stream stream = WriteStream(false);
  absl::StatusOr<ContainerReader> reader = ContainerReader::Open(stream.file);
  ASSERT_TRUE(reader.ok());
  EXPECT_FALSE(reader->has_index());
  EXPECT_EQ(GetErrorCode(reader->index_status()), ErrorCode::kTruncated);
  EXPECT_TRUE(reader->stop_reason().ok());
  EXPECT_EQ(reader->stop_offset(), stream.file.size());
  ASSERT_EQ(reader->entries().size(), stream.packets.size());
  EXPECT_EQ(PacketBytes(*reader, 9), stream.packets[9]);
}

// A writer killed at any byte leaves a file that opens (once the header is
// whole) and yields exactly the packets written out whole before the cut.
TEST(ContainerTest, EveryCutYieldsTheWholePacketsBeforeIt) {
  const Stream stream = WriteStream(true);
  absl::StatusOr<ContainerReader> full = ContainerReader::Open(stream.file);
  ASSERT_TRUE(full.ok());
  const uint64_t data_start = full->entries()[0].record_offset;
  for (size_t cut = 0; cut < stream.file.size(); ++cut) {
    const absl::Span<const uint8_t> prefix =
        absl::MakeConstSpan(stream.file).first(cut);
    absl::StatusOr<ContainerReader> reader = ContainerReader::Open(prefix);
    if (cut < data_start) {
      EXPECT_EQ(GetErrorCode(reader.status()), ErrorCode::kTruncated) << cut;
      continue;
    }
    ASSERT_TRUE(reader.ok()) << cut << ": " << reader.status();
    size_t whole = 0;
    while (whole < full->entries().size() &&
           full->entries()[whole].packet_offset +
                   full->entries()[whole].packet_size <=
               cut) {
      ++whole;
    }
    ASSERT_EQ(reader->entries().size(), whole) << cut;
    EXPECT_FALSE(reader->has_index());
    for (size_t i = 0; i < whole; ++i) {
      EXPECT_EQ(PacketBytes(*reader, i), stream.packets[i]);
    }
    const bool at_boundary =
        whole == 0 ? cut == data_start
                   : cut == full->entries()[whole - 1].packet_offset +
                                full->entries()[whole - 1].packet_size;
    if (!at_boundary) {
      EXPECT_FALSE(reader->stop_reason().ok()) << cut;
      EXPECT_EQ(reader->stop_offset(),
                whole == 0 ? data_start
                           : full->entries()[whole - 1].packet_offset +
                                 full->entries()[whole - 1].packet_size);
    }
  }
}

TEST(ContainerTest, WriterRejectsBadPacketsWithoutWriting) {
  Bytes file;
  VectorByteSink sink(&file);
  absl::StatusOr<ContainerWriter> writer =
      ContainerWriter::Create(Metadata(), &sink);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->AppendPacket(MakePacket(5, true, 3)).ok());
  const size_t size = file.size();
  // Sequence must increase.
  EXPECT_EQ(GetErrorCode(writer->AppendPacket(MakePacket(5, false, 3))),
            ErrorCode::kInvalidArgument);
  // Must be a valid packet.
  Bytes broken = MakePacket(6, false, 3);
  broken[20] ^= 1;
  EXPECT_EQ(GetErrorCode(writer->AppendPacket(broken)),
            ErrorCode::kInvalidArgument);
  // Must have the file's layout.
  Bytes other = MakePacket(7, false, 3);
  other[24] ^= 1;
  internal::RewriteChecksum(&other);
  EXPECT_EQ(GetErrorCode(writer->AppendPacket(other)),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(file.size(), size);
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(GetErrorCode(writer->Finish()), ErrorCode::kBadState);
  EXPECT_EQ(GetErrorCode(writer->AppendPacket(MakePacket(9, false, 1))),
            ErrorCode::kBadState);
}

TEST(ContainerTest, CreateValidatesMetadata) {
  Bytes file;
  VectorByteSink sink(&file);
  ContainerMetadata metadata = Metadata();
  metadata.settings.push_back({"method", "again"});
  EXPECT_EQ(GetErrorCode(ContainerWriter::Create(metadata, &sink).status()),
            ErrorCode::kInvalidArgument);
  metadata = Metadata();
  metadata.layout.tensors.clear();
  EXPECT_EQ(GetErrorCode(ContainerWriter::Create(metadata, &sink).status()),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(GetErrorCode(ContainerWriter::Create(Metadata(), nullptr).status()),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(file.empty());
}

}  // namespace
}  // namespace gradcodec
