// Byte-level constants of the .gcs container (spec/FORMAT.md, "Stream
// container"), shared by its reader and writer.
#ifndef GRADCODEC_FORMAT_CONTAINER_FORMAT_H_
#define GRADCODEC_FORMAT_CONTAINER_FORMAT_H_

#include <cstdint>

namespace gradcodec::internal {

inline constexpr uint8_t kContainerMagic[4] = {'G', 'C', 'S', 'F'};
inline constexpr uint8_t kContainerTailMagic[4] = {'G', 'C', 'S', 'E'};
// magic, version_major, version_minor, flags, metadata_size.
inline constexpr uint64_t kContainerFixedHeaderSize = 12;
inline constexpr uint64_t kContainerHeaderChecksumSize = 8;
// index_offset (u64) and tail magic.
inline constexpr uint64_t kContainerTailSize = 12;

inline constexpr uint8_t kRecordTagPacket = 'P';
inline constexpr uint8_t kRecordTagIndex = 'I';

// Bit 0 of an index entry's `entry_flags`: the packet is a key packet.
inline constexpr uint8_t kIndexEntryKeyFlag = 0x01;
// The fewest bytes of an index entry: one-byte sequence and offset varints
// and the flags byte. Bounds `entry_count` before reserving.
inline constexpr uint64_t kMinIndexEntrySize = 3;
// The fewest bytes of one setting: key_length and value_length (an empty
// key is rejected later, with its own error).
inline constexpr uint64_t kMinSettingSize = 2;

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_CONTAINER_FORMAT_H_
