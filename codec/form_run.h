// Forming p = v + e for a run of the encode pass's coordinates
// (encode_pass.h), with its signs and |p| sums, and for a signxor delta
// block the rate-distortion rule applied in the same loop: the pass's
// arithmetic, in a portable, an AVX2 and an AVX-512 form that give the same
// floats bit for bit.
#ifndef GRADCODEC_CODEC_FORM_RUN_H_
#define GRADCODEC_CODEC_FORM_RUN_H_

#include <cstdint>

#include "codec/encode_pass.h"

namespace gradcodec::internal {

// A block's ||p_b||_1 (and the rule's sum of |p_i| over the signs it sent
// against p, over those coordinates only), in an order fixed once so that
// every build (and the vector and portable paths) adds alike: eight float
// lanes, lane k taking the coordinates k mod 8 of the block, moved into a
// double sum in lane order every 2^16 coordinates and after the last
// multiple of 8; the coordinates past that added to the double one by one.
// Error memories depend on these sums bit for bit, so the order must not
// change. The runs of a block end on the 2^16 boundaries.
constexpr uint64_t kFlush = uint64_t{1} << 16;
static_assert(kFlush % kRunCoordinates == 0 && kRunCoordinates % 64 == 0);

// The eight float partial sums of |p| (see kFlush).
struct Lanes {
  float v[8] = {};
};

// Forms p for the `count` (at most kRunCoordinates) coordinates from
// `begin` into p[0..count), writes their sign bits (1 for p < 0) to
// signs[0..BitWords(count)), zero past `count`, and adds |p| into the
// lanes for the first count / 8 * 8 (lane k takes coordinates k mod 8 of
// the run). Returns false if some p is not finite.
using FormRunFn = bool (*)(const EncodePassInput& in, uint64_t begin,
                           uint64_t count, float* p, uint64_t* signs,
                           Lanes& lanes);

// The FormRun for the inputs (momentum, error memory) and the CPU.
FormRunFn ChooseFormRun(const EncodePassInput& in);

// FormRun of a signxor delta block's run with the rule's choice made in
// the same loop, while p is in registers: `count` a multiple of 64,
// `level_scale` the rule's RateDistortionRule::LevelScale for the block,
// `reference` the run's reference signs, in.contexts this step's (or,
// with in.advance_contexts, the previous delta's, moved on first by the
// caller). Writes `signs` and `lanes` as FormRun does, against[] the signs
// the rule overrides (RateDistortionRule::Choose's), and adds their |p|
// into `against_lanes` in the order of `lanes`.
using FormAndChooseRunFn = bool (*)(const EncodePassInput& in, uint64_t begin,
                                    uint64_t count, float level_scale,
                                    const uint64_t* reference, float* p,
                                    uint64_t* signs, uint64_t* against,
                                    Lanes& lanes, Lanes& against_lanes);

// The FormAndChooseRun for the inputs and the CPU (AVX-512 or AVX2), or
// null where the CPU lacks AVX2: the pass then forms p and applies the
// rule in turn.
FormAndChooseRunFn ChooseFormAndChooseRun(const EncodePassInput& in);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_FORM_RUN_H_
