// The 32-lane rANS decoder with AVX2: four vectors of eight states, the
// decoding twin of rans_wide_avx2.h. Called only when CpuHasAvx2Bmi2();
// reads and decodes exactly as the portable loop in rans_stream.cc (lane 0
// to lane 31, each taking its word, if it needs one, after the lanes
// before it).
#ifndef GRADCODEC_CODEC_ENTROPY_RANS_WIDE_DECODE_AVX2_H_
#define GRADCODEC_CODEC_ENTROPY_RANS_WIDE_DECODE_AVX2_H_

#include <cstddef>
#include <cstdint>

#include "codec/entropy/rans_core.h"

namespace gradcodec::internal {

// Decodes groups of kRansWideLanes symbols (out[32 g + lane] with state
// states[lane]) from the words at `cursor` while a whole group's words are
// sure to lie before `end` (64 bytes left) and fewer than `groups` groups
// are done; returns how many groups it decoded and advances `cursor`.
size_t GetWideGroupsAvx2(uint32_t* states, const uint8_t*& cursor,
                         const uint8_t* end, uint8_t* out, size_t groups,
                         const RansDecodeTable& table);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_RANS_WIDE_DECODE_AVX2_H_
