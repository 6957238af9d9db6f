// Documented limits of wire format v1 (spec/FORMAT.md, "Limits").
//
// A reader rejects any count or size above these with LIMIT_EXCEEDED before
// it allocates or reads anything on the strength of it. Writers never
// produce structures beyond them.
#ifndef GRADCODEC_LIMITS_H_
#define GRADCODEC_LIMITS_H_

#include <cstdint>

namespace gradcodec {

// Packets.
inline constexpr uint64_t kPacketFixedHeaderSize = 48;
inline constexpr uint64_t kMaxPacketHeaderSize = 256;
inline constexpr uint64_t kPacketTrailerSize = 8;  // XXH3-64 checksum
inline constexpr uint64_t kMaxPacketSize = uint64_t{1} << 40;
inline constexpr uint64_t kMaxCoordinateCount = uint64_t{1} << 40;

// Layout section.
inline constexpr uint64_t kMaxTensorCount = uint64_t{1} << 20;
inline constexpr uint64_t kMaxTensorNameLength = 1024;
inline constexpr uint64_t kMaxTensorRank = 8;
inline constexpr uint64_t kMaxBlockSize = uint64_t{1} << 30;

// Stream container (.gcs).
inline constexpr uint64_t kMaxMetadataSize = uint64_t{1} << 26;  // 64 MiB
inline constexpr uint64_t kMaxSettingCount = 4096;
inline constexpr uint64_t kMaxSettingKeyLength = 256;
inline constexpr uint64_t kMaxSettingValueLength = uint64_t{1} << 16;

// Memory: parsing an input of n bytes (a packet with its layout, or a
// container's header and index) allocates at most
// kParseAllocationFactor * n + kParseAllocationSlack bytes.
// tests/format/parse_allocation_test.cc holds every parser to this bound.
inline constexpr uint64_t kParseAllocationFactor = 24;
inline constexpr uint64_t kParseAllocationSlack = 4096;

}  // namespace gradcodec

#endif  // GRADCODEC_LIMITS_H_
