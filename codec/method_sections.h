// Method payload section types of the sign methods (spec/FORMAT.md section
// 11.2) and the coding of their bit-vector payloads.
#ifndef GRADCODEC_CODEC_METHOD_SECTIONS_H_
#define GRADCODEC_CODEC_METHOD_SECTIONS_H_

#include <cstdint>

namespace gradcodec::internal {

// Spec: section type `block_scales` (scale_format, then the codes).
inline constexpr uint8_t kBlockScalesSection = 0x02;
// Spec: section type `signs` (a context-coded bit stream, one context).
inline constexpr uint8_t kSignsSection = 0x03;
// Spec: section type `flips` (u8 history_bits, then a context-coded bit
// stream with 2^history_bits contexts).
inline constexpr uint8_t kFlipsSection = 0x04;

// Spec: the largest `history_bits`.
inline constexpr uint32_t kMaxFlipHistory = 6;

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_METHOD_SECTIONS_H_
