#include "format/packet.h"

#include <random>
#include <vector>

#include "format/layout_section.h"
#include "format/section_types.h"
#include "gradcodec/error_code.h"
#include "gradcodec/limits.h"
#include "gradcodec/packet_info.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

using Bytes = std::vector<uint8_t>;

Layout TwoTensors() {
  Layout layout;
  layout.tensors.push_back({"a", {3, 5}, DType::kFloat32, 8});
  layout.tensors.push_back({"b", {7}, DType::kFloat16, 0});
  return layout;
}

struct KeyPacket {
  Bytes layout_payload;
  Bytes packet;
};

KeyPacket MakeKey(uint64_t sequence, const Bytes& method_payload) {
  KeyPacket key;
  SerializeLayout(TwoTensors(), &key.layout_payload);
  PacketHeader header;
  header.packet_kind = PacketKind::kKey;
  header.method_id = 5;
  header.stream_id = 0xABCDEF01;
  header.sequence = sequence;
  header.layout_fingerprint = LayoutFingerprint(key.layout_payload);
  header.coordinate_count = 22;
  const SectionData sections[] = {{kSectionLayout, key.layout_payload},
                                  {0x02, method_payload}};
  key.packet = SerializePacket(header, sections);
  return key;
}

TEST(PacketTest, KeyPacketRoundTrips) {
  const Bytes payload = {1, 2, 3, 4, 5};
  const KeyPacket key = MakeKey(17, payload);
  absl::StatusOr<ParsedPacket> parsed = ParsePacket(key.packet);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->header.packet_kind, PacketKind::kKey);
  EXPECT_EQ(parsed->header.method_id, 5);
  EXPECT_EQ(parsed->header.stream_id, 0xABCDEF01u);
  EXPECT_EQ(parsed->header.sequence, 17u);
  EXPECT_EQ(parsed->header.coordinate_count, 22u);
  EXPECT_EQ(parsed->header.header_size, kPacketFixedHeaderSize);
  ASSERT_TRUE(parsed->layout.has_value());
  EXPECT_EQ(*parsed->layout, TwoTensors());
  const SectionView* method = parsed->Find(0x02);
  ASSERT_NE(method, nullptr);
  EXPECT_EQ(Bytes(method->payload.begin(), method->payload.end()), payload);
  EXPECT_EQ(parsed->Find(0x03), nullptr);
  EXPECT_TRUE(parsed->skipped.empty());
}

TEST(PacketTest, ReserialisingAParsedPacketGivesTheSameBytes) {
  const KeyPacket key = MakeKey(3, {9, 8, 7});
  absl::StatusOr<ParsedPacket> parsed = ParsePacket(key.packet);
  ASSERT_TRUE(parsed.ok());
  std::vector<SectionData> sections;
  for (const SectionView& s : parsed->sections) {
    sections.push_back({s.type, s.payload});
  }
  EXPECT_EQ(SerializePacket(parsed->header, sections), key.packet);
}

TEST(PacketTest, ReadPacketInfoListsSkippedSectionsInOrder) {
  Bytes layout;
  SerializeLayout(TwoTensors(), &layout);
  PacketHeader header;
  header.method_id = 1;
  header.layout_fingerprint = LayoutFingerprint(layout);
  header.coordinate_count = 22;
  const Bytes note = {'x'};
  const SectionData sections[] = {
      {kSectionLayout, layout}, {0x05, note}, {kSectionComment, note},
      {0x9A, note}};
  const Bytes packet = SerializePacket(header, sections);
  absl::StatusOr<PacketInfo> info = ReadPacketInfo(packet);
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->sections.size(), 4u);
  EXPECT_EQ(info->sections[0].type, kSectionLayout);
  EXPECT_EQ(info->sections[1].type, 0x05);
  EXPECT_TRUE(info->sections[2].known);
  EXPECT_EQ(info->sections[3].type, 0x9A);
  EXPECT_FALSE(info->sections[3].known);
  EXPECT_EQ(info->sections[3].size, 1u);
  EXPECT_EQ(packet[info->sections[3].offset], 'x');
  EXPECT_EQ(info->total_size, packet.size());
  EXPECT_TRUE(info->layout.has_value());
}

TEST(PacketTest, DeltaPacketNeedsNoLayout) {
  PacketHeader header;
  header.packet_kind = PacketKind::kDelta;
  header.method_id = 4;
  header.sequence = 9;
  header.reference_fingerprint = 0xFEEDull;
  header.coordinate_count = 1000;
  const Bytes flips = {0xF0, 0x0F};
  const SectionData sections[] = {{0x04, flips}};
  absl::StatusOr<ParsedPacket> parsed =
      ParsePacket(SerializePacket(header, sections));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->header.reference_fingerprint, 0xFEEDull);
  EXPECT_FALSE(parsed->layout.has_value());
}

TEST(PacketTest, ErrorsNameTheFieldAndValue) {
  KeyPacket key = MakeKey(0, {});
  key.packet[8] = 7;  // packet_kind
  RewriteChecksum(&key.packet);
  const absl::Status status = ParsePacket(key.packet).status();
  EXPECT_EQ(GetErrorCode(status), ErrorCode::kInvalidField);
  EXPECT_NE(status.message().find("`packet_kind`"), absl::string_view::npos);
  EXPECT_NE(status.message().find("is 7"), absl::string_view::npos);
}

// Random damage with a valid checksum reaches the section and layout
// parsers; every outcome must be a clean status (ASan/UBSan watch the rest).
TEST(PacketTest, RandomDamageNeverCrashes) {
  const KeyPacket key = MakeKey(1, Bytes(40, 0x33));
  std::mt19937_64 rng(1234);
  int accepted = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    Bytes packet = key.packet;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      const size_t at = rng() % (packet.size() - kPacketTrailerSize);
      packet[at] = static_cast<uint8_t>(rng());
    }
    if (rng() % 4 == 0) packet.resize(kPacketFixedHeaderSize + rng() % 40 + 8);
    if (packet.size() >= kPacketTrailerSize) RewriteChecksum(&packet);
    absl::StatusOr<ParsedPacket> parsed = ParsePacket(packet);
    if (parsed.ok()) {
      ++accepted;
    } else {
      EXPECT_NE(GetErrorCode(parsed.status()), ErrorCode::kInternal)
          << parsed.status();
    }
  }
  EXPECT_GT(accepted, 0);  // some damage lands in opaque payload bytes
}

}  // namespace
}  // namespace gradcodec::internal
