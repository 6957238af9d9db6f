// The 32-lane rANS encoder with AVX2: four vectors of eight states. Called
// only when CpuHasAvx2Bmi2(); writes exactly the bytes of the portable loop
// in rans_stream.cc (one RansEncPut per lane, lane 31 down to lane 0).
#ifndef GRADCODEC_CODEC_ENTROPY_RANS_WIDE_AVX2_H_
#define GRADCODEC_CODEC_ENTROPY_RANS_WIDE_AVX2_H_

#include <cstddef>
#include <cstdint>

#include "codec/entropy/frequency_table.h"

namespace gradcodec::internal {

// Encodes `groups` groups of kRansWideLanes symbols (symbols[32 g + lane]
// with state states[lane]), the last group first, writing words below
// `cursor`; returns the new cursor. Stores may touch the 16 bytes below the
// returned cursor.
uint8_t* PutWideGroupsAvx2(uint32_t* states, uint8_t* cursor,
                           const uint8_t* symbols, size_t groups,
                           const RansEncodeTable& table);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_RANS_WIDE_AVX2_H_
