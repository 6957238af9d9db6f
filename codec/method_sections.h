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

// Spec: section type `adaptive_flips` (packet minor version 2): u8
// history_bits, u8 models (kFreshModels or kCarriedModels), u8 fast_rate,
// u8 slow_rate, then the flip bits range-coded with mixed-rate models
// that carry from packet to packet (adaptive_context_coder.h).
inline constexpr uint8_t kAdaptiveFlipsSection = 0x05;
inline constexpr uint8_t kFreshModels = 0;
inline constexpr uint8_t kCarriedModels = 1;

// Spec: section type `grouped_flips` (packet minor version 3): u8
// history_bits, u8 group_count, u8 context_group for each of the
// 2^history_bits contexts, then a context-coded bit stream whose contexts
// are the groups (codec/signxor/flip_groups.h).
inline constexpr uint8_t kGroupedFlipsSection = 0x06;

// Spec: the largest `history_bits` of a `flips` or `grouped_flips`
// section, and of an `adaptive_flips` section.
inline constexpr uint32_t kMaxFlipHistory = 6;
inline constexpr uint32_t kMaxAdaptiveFlipHistory = 8;

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_METHOD_SECTIONS_H_
