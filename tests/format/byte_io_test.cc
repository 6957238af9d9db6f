#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "format/varint.h"
#include "gradcodec/error_code.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

TEST(ByteIoTest, IntegersRoundTripLittleEndian) {
  std::vector<uint8_t> bytes;
  ByteWriter writer(&bytes);
  writer.WriteU8(0xAB);
  writer.WriteU16(0x1234);
  writer.WriteU32(0xDEADBEEF);
  writer.WriteU64(0x0102030405060708ull);
  ASSERT_EQ(bytes.size(), 15u);
  EXPECT_EQ(bytes[1], 0x34);  // little-endian: low byte first
  EXPECT_EQ(bytes[7], 0x08);

  ByteReader reader(bytes);
  uint8_t a;
  uint16_t b;
  uint32_t c;
  uint64_t d;
  ASSERT_TRUE(reader.ReadU8("a", &a).ok());
  ASSERT_TRUE(reader.ReadU16("b", &b).ok());
  ASSERT_TRUE(reader.ReadU32("c", &c).ok());
  ASSERT_TRUE(reader.ReadU64("d", &d).ok());
  EXPECT_EQ(a, 0xAB);
  EXPECT_EQ(b, 0x1234);
  EXPECT_EQ(c, 0xDEADBEEFu);
  EXPECT_EQ(d, 0x0102030405060708ull);
  EXPECT_TRUE(reader.empty());
  EXPECT_TRUE(reader.ExpectEnd("test").ok());
}

TEST(ByteIoTest, ShortReadFailsNamesFieldAndKeepsPosition) {
  const std::vector<uint8_t> bytes = {1, 2, 3};
  ByteReader reader(bytes, /*base_offset=*/100);
  uint8_t first;
  ASSERT_TRUE(reader.ReadU8("first", &first).ok());
  uint32_t value = 7;
  const absl::Status status = reader.ReadU32("stream_id", &value);
  EXPECT_EQ(GetErrorCode(status), ErrorCode::kTruncated);
  EXPECT_NE(status.message().find("`stream_id`"), absl::string_view::npos);
  EXPECT_NE(status.message().find("offset 101"), absl::string_view::npos);
  EXPECT_EQ(value, 7u);
  EXPECT_EQ(reader.position(), 1u);
  EXPECT_EQ(GetErrorCode(reader.ExpectEnd("thing")), ErrorCode::kTrailingBytes);
}

TEST(VarintTest, RoundTripsBoundaryValues) {
  const uint64_t values[] = {0,          1,          127,        128,
                             16383,      16384,      (1ull << 35) - 1,
                             1ull << 35, 1ull << 63, std::numeric_limits<uint64_t>::max()};
  for (uint64_t value : values) {
    std::vector<uint8_t> bytes;
    ByteWriter(&bytes).WriteVarint(value);
    EXPECT_EQ(bytes.size(), VarintLength(value)) << value;
    ByteReader reader(bytes);
    uint64_t decoded = 0;
    ASSERT_TRUE(reader.ReadVarint("v", &decoded).ok()) << value;
    EXPECT_EQ(decoded, value);
    EXPECT_TRUE(reader.empty());
  }
  std::vector<uint8_t> max;
  ByteWriter(&max).WriteVarint(std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(max.size(), kMaxVarintLength);
}

TEST(VarintTest, RandomValuesRoundTrip) {
  std::mt19937_64 rng(42);
  std::vector<uint8_t> bytes;
  std::vector<uint64_t> values;
  ByteWriter writer(&bytes);
  for (int i = 0; i < 10000; ++i) {
    values.push_back(rng() >> (rng() % 64));
    writer.WriteVarint(values.back());
  }
  ByteReader reader(bytes);
  for (uint64_t expected : values) {
    uint64_t v = 0;
    ASSERT_TRUE(reader.ReadVarint("v", &v).ok());
    ASSERT_EQ(v, expected);
  }
  EXPECT_TRUE(reader.empty());
}

ErrorCode DecodeError(std::vector<uint8_t> bytes) {
  uint64_t value = 0;
  return GetErrorCode(ByteReader(bytes).ReadVarint("v", &value));
}

TEST(VarintTest, RejectsMalformedEncodings) {
  EXPECT_EQ(DecodeError({}), ErrorCode::kTruncated);
  EXPECT_EQ(DecodeError({0x80}), ErrorCode::kTruncated);
  EXPECT_EQ(DecodeError({0xFF, 0xFF}), ErrorCode::kTruncated);
  // Not the shortest form.
  EXPECT_EQ(DecodeError({0x80, 0x00}), ErrorCode::kMalformedVarint);
  EXPECT_EQ(DecodeError({0xFF, 0x80, 0x00}), ErrorCode::kMalformedVarint);
  // Eleven bytes, and a tenth byte carrying bits past 63.
  EXPECT_EQ(DecodeError(std::vector<uint8_t>(10, 0xFF)),
            ErrorCode::kMalformedVarint);
  std::vector<uint8_t> bit64(9, 0x80);
  bit64.push_back(0x02);
  EXPECT_EQ(DecodeError(bit64), ErrorCode::kMalformedVarint);
  // But 0 itself is one zero byte, and bit 63 alone is fine.
  EXPECT_EQ(DecodeError({0x00}), ErrorCode::kOk);
  std::vector<uint8_t> top(9, 0x80);
  top.push_back(0x01);
  EXPECT_EQ(DecodeError(top), ErrorCode::kOk);
}

TEST(ByteIoTest, LengthPrefixedChecksLimitThenRemaining) {
  std::vector<uint8_t> bytes;
  ByteWriter writer(&bytes);
  writer.WriteVarint(10);
  writer.WriteBytes(std::vector<uint8_t>(4, 0xEE));
  absl::Span<const uint8_t> out;
  EXPECT_EQ(GetErrorCode(ByteReader(bytes).ReadLengthPrefixed("len", 9, &out)),
            ErrorCode::kLimitExceeded);
  EXPECT_EQ(
      GetErrorCode(ByteReader(bytes).ReadLengthPrefixed("len", 100, &out)),
      ErrorCode::kLengthOutOfBounds);
  bytes[0] = 4;
  ByteReader reader(bytes);
  ASSERT_TRUE(reader.ReadLengthPrefixed("len", 100, &out).ok());
  EXPECT_EQ(out.size(), 4u);
  EXPECT_EQ(out.data(), bytes.data() + 1);  // a view, not a copy
}

}  // namespace
}  // namespace gradcodec::internal
