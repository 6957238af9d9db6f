#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "format/bit_reader.h"
#include "format/bit_writer.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

TEST(BitIoTest, BitOrderIsLeastSignificantFirst) {
  std::vector<uint8_t> bytes;
  BitWriter writer(&bytes);
  writer.WriteBit(true);    // bit 0 of byte 0
  writer.Write(0b10, 2);    // bits 1-2: 0 then 1
  writer.Write(0x1F, 5);    // bits 3-7
  writer.Write(0x3, 2);     // bits 0-1 of byte 1
  EXPECT_EQ(writer.bit_count(), 10u);
  writer.Finish();
  ASSERT_EQ(bytes.size(), 2u);
  EXPECT_EQ(bytes[0], 0b11111101);
  EXPECT_EQ(bytes[1], 0b00000011);  // padded with zeros
}

TEST(BitIoTest, RandomWidthsRoundTrip) {
  std::mt19937_64 rng(7);
  std::vector<std::pair<uint64_t, int>> items;
  std::vector<uint8_t> bytes = {0xAA};  // the writer appends after this
  BitWriter writer(&bytes);
  for (int i = 0; i < 100000; ++i) {
    const int width = static_cast<int>(rng() % 58);
    const uint64_t value =
        width == 0 ? 0 : rng() & ((uint64_t{1} << width) - 1);
    items.emplace_back(value, width);
    writer.Write(value, width);
  }
  const uint64_t bits = writer.bit_count();
  writer.Finish();
  EXPECT_EQ(bytes.size(), 1 + (bits + 7) / 8);
  BitReader reader(absl::MakeConstSpan(bytes).subspan(1));
  for (const auto& [value, width] : items) {
    ASSERT_EQ(reader.Read(width), value);
  }
  EXPECT_FALSE(reader.overrun());
  EXPECT_EQ(reader.consumed_bits(), bits);
}

TEST(BitIoTest, WriteBitsEqualsOneBitAtATime) {
  std::mt19937_64 rng(8);
  std::vector<uint64_t> words(40);
  for (auto& w : words) w = rng();
  // Word vectors of every length, at every bit alignment of the writer,
  // with junk past `count` that must not reach the output.
  for (int offset = 0; offset < 8; ++offset) {
    for (uint64_t count : {0, 1, 7, 8, 9, 63, 64, 65, 200, 2555}) {
      std::vector<uint8_t> expected, actual;
      BitWriter one_by_one(&expected), block(&actual);
      one_by_one.Write(0x55 & ((1u << offset) - 1), offset);
      block.Write(0x55 & ((1u << offset) - 1), offset);
      for (uint64_t i = 0; i < count; ++i) {
        one_by_one.WriteBit((words[i / 64] >> (i % 64)) & 1);
      }
      block.WriteBits(words.data(), count);
      EXPECT_EQ(block.bit_count(), one_by_one.bit_count());
      one_by_one.Finish();
      block.Finish();
      EXPECT_EQ(actual, expected) << "offset " << offset << " count " << count;
    }
  }
}

TEST(BitIoTest, ReadingPastTheEndIsStickyAndStaysInBounds) {
  const std::vector<uint8_t> bytes = {0xFF, 0x01};
  BitReader reader(bytes);
  EXPECT_EQ(reader.Read(9), 0x1FFu);
  EXPECT_FALSE(reader.overrun());
  EXPECT_EQ(reader.remaining_bits(), 7u);
  EXPECT_EQ(reader.Read(10), 0u);  // 7 zero bits, then 3 past the end
  EXPECT_TRUE(reader.overrun());
  EXPECT_EQ(reader.Read(1), 0u);
  EXPECT_TRUE(reader.overrun());
}

TEST(BitIoTest, EmptySpanOverrunsOnFirstRead) {
  BitReader reader(absl::Span<const uint8_t>{});
  EXPECT_EQ(reader.Read(0), 0u);
  EXPECT_FALSE(reader.overrun());
  EXPECT_EQ(reader.Read(1), 0u);
  EXPECT_TRUE(reader.overrun());
}

}  // namespace
}  // namespace gradcodec::internal
