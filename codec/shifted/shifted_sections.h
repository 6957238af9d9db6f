// Method payload sections of the shifted methods (spec/FORMAT.md section
// 11.10). They sit at 0x10..0x14, clear of the sign methods' 0x02..0x04,
// so each family can grow without renumbering the other.
#ifndef GRADCODEC_CODEC_SHIFTED_SHIFTED_SECTIONS_H_
#define GRADCODEC_CODEC_SHIFTED_SHIFTED_SECTIONS_H_

#include <cstdint>

namespace gradcodec::internal {

// Spec: `shift_setup`, key packets: the compressor's and the shift rule's
// parameters and the stream's seed.
inline constexpr uint8_t kShiftSetupSection = 0x10;
// Spec: `shifted_values`, the compressor's payload of this packet.
inline constexpr uint8_t kShiftedValuesSection = 0x11;
// Spec: `fixed_shift`, key packets of shift rule fixed: h, n float32.
inline constexpr uint8_t kFixedShiftSection = 0x12;
// Spec: `refresh`, Rand-DIANA packets that send v: n float32.
inline constexpr uint8_t kRefreshSection = 0x13;
// Spec: `shift`, key packets of EF21, DIANA and Rand-DIANA whose h is not
// all +0.0: the h the key packet starts from (key_shift.h).
inline constexpr uint8_t kKeyShiftSection = 0x14;

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_SHIFTED_SECTIONS_H_
