// The section type registry (spec/FORMAT.md, "Section types").
//
// A section type is one byte. 0x01..0x7F is the critical range: a reader that
// does not know a critical type must reject the structure, because ignoring
// it would change the meaning. 0x80..0xFF is the skippable range: readers
// skip types they do not know, so later minor versions can add information
// that old readers may ignore. 0x00 is never valid.
#ifndef GRADCODEC_FORMAT_SECTION_TYPES_H_
#define GRADCODEC_FORMAT_SECTION_TYPES_H_

#include <cstdint>

namespace gradcodec::internal {

inline constexpr uint8_t kFirstSkippableSectionType = 0x80;

// Packet sections.
inline constexpr uint8_t kSectionLayout = 0x01;
// 0x02..0x1F: method payload sections. Each method (spec section "Methods")
// says which it uses; the format layer accepts the range, the codec rejects
// a type its method does not define.
inline constexpr uint8_t kFirstMethodSectionType = 0x02;
inline constexpr uint8_t kLastMethodSectionType = 0x1F;
// Skippable: free UTF-8 text for humans (encoder name, run notes).
inline constexpr uint8_t kSectionComment = 0x80;

// Container metadata sections.
inline constexpr uint8_t kMetadataLayout = 0x01;
inline constexpr uint8_t kMetadataSettings = 0x02;

inline constexpr bool IsSkippableSectionType(uint8_t type) {
  return type >= kFirstSkippableSectionType;
}

inline constexpr bool IsKnownPacketSectionType(uint8_t type) {
  return type == kSectionLayout ||
         (type >= kFirstMethodSectionType && type <= kLastMethodSectionType) ||
         type == kSectionComment;
}

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_SECTION_TYPES_H_
