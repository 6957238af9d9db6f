// The encoder's work on the coordinates themselves (gradcodec/encoder.h),
// block by block: a block's p = v + e is formed once, in a buffer that
// stays in L1, and read there for everything that needs it (its signs, its
// L1 norm, the rate-distortion choice, its scale, the new error memory).
// One pass over the input and the error memory instead of one per step:
// at 16M coordinates the steps were each a trip through memory. On AVX2,
// a signxor delta block of whole 64-coordinate words whose rule factor is
// known before its p (from the block's previous scale) has the rule
// applied in the loop that forms p.
//
// Blocks larger than a run (kRunCoordinates) are done in three passes over
// their runs, p formed again each time from the same inputs (so the same
// floats): signs and norm, then the choice, then the error memory.
#ifndef GRADCODEC_CODEC_ENCODE_PASS_H_
#define GRADCODEC_CODEC_ENCODE_PASS_H_

#include <cstdint>

#include "absl/types/span.h"
#include "codec/signxor/flip_history.h"
#include "codec/signxor/rate_distortion.h"

namespace gradcodec::internal {

// Coordinates of p held at once: 16 KiB, so they stay in L1; it divides
// 2^16, where a block's L1 norm moves its float lanes into the double sum
// (kFlush, form_run.h).
inline constexpr uint64_t kRunCoordinates = 4096;

struct EncodePassInput {
  absl::Span<const float> update;  // g
  const float* momentum = nullptr;  // m, when mu > 0
  const float* error = nullptr;     // e, when error feedback is on
  float mu = 0;
  // The method's blocks (MethodBlockStarts); empty for method sign, whose
  // one scale is 1.
  absl::Span<const uint64_t> block_starts;
  // signxor deltas only (null otherwise): the reference signs, the flip
  // contexts, the rule, and the previous packet's scales, which the rule
  // weighs distortion with (a block without one uses ||p_b||_1 / |b|).
  const uint64_t* reference = nullptr;
  uint8_t* contexts = nullptr;
  // When set, `contexts` hold the previous delta's, and the pass moves
  // each run's on by the history's latest flips
  // (FlipHistory::AdvanceContexts) just before the rule reads them, rather
  // than in a pass of its own.
  const FlipHistory* advance_contexts = nullptr;
  uint32_t history_bits = 0;
  const RateDistortionRule* rule = nullptr;
  absl::Span<const float> previous_scales;
};

struct EncodePassOutput {
  uint64_t* signs = nullptr;  // BitWords(n) words: the signs sent
  uint64_t* flips = nullptr;  // with a reference: signs XOR reference
  uint32_t* codes = nullptr;  // one scale code per block
  float* scales = nullptr;    // and its scale
  float* error = nullptr;     // e = p - Delta, when not null
  uint64_t kept = 0;          // signxor: signs sent against sign(p)
  uint64_t flip_count = 0;    // with a reference: bits set in `flips`
  // With a reference: the flip-rate model's sample of this step (every
  // FlipRateModel::ObserveStride(n)-th coordinate), counted while the
  // flips and contexts are at hand rather than in another pass.
  FlipRateModel::StepCounts sample_flips{};
  FlipRateModel::StepCounts sample_totals{};
};

// p = v + e, v = g or its Nesterov form mu (mu m + g) + g, then the signs,
// scales and error memory of the packet. `out.error` must not alias the
// inputs. Returns false, having written only parts of the outputs, as soon
// as some p is not finite.
bool RunEncodePass(const EncodePassInput& in, EncodePassOutput& out);

// p_i as RunEncodePass forms it, one coordinate (for naming a bad one).
float FormOneP(const EncodePassInput& in, uint64_t i);

// For tests of the vector path against the portable one (see
// ScopedPortablePathsForTesting): p for the `count` (at most
// kRunCoordinates) coordinates from `begin` as RunEncodePass forms a run,
// into p[0..count), their sign words (zero past `count`) into signs[], and
// |p| of the first count / 8 * 8 added into the eight float lanes[] (lane
// k the coordinates k mod 8). Returns false if some p is not finite.
bool FormRunForTesting(const EncodePassInput& in, uint64_t begin,
                       uint64_t count, float* p, uint64_t* signs, float* lanes);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENCODE_PASS_H_
