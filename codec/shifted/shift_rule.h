// The shift rules of the shifted family (spec/FORMAT.md section 11.12):
// what the sender compresses, what the receiver outputs, and how both
// sides update the shift h, in float32 with the operations the spec lists
// so that both hold the same h bit for bit.
//
//   rule        sender compresses   receiver outputs   then
//   none        v                   Q                  -
//   error fb.   p = v + e           Q                  e = p - Q (sender)
//   EF21        v - h               h + Q              h = h + Q
//   DIANA       v - h               h + Q              h = h + alpha Q
//   Rand-DIANA  v - h               h + Q              -
//     refresh   (v sent as is)      v                  h = v
//   fixed       v - h               h + Q              -
#ifndef GRADCODEC_CODEC_SHIFTED_SHIFT_RULE_H_
#define GRADCODEC_CODEC_SHIFTED_SHIFT_RULE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "codec/shifted/compressor.h"
#include "gradcodec/codec_options.h"

namespace gradcodec::internal {

// Whether the receiver holds a shift h at all.
bool HasShift(Shift rule);
// Whether h changes from packet to packet (EF21, DIANA, Rand-DIANA).
bool ShiftEvolves(Shift rule);

// OK when `rule` may be combined with the compressor (omega its variance
// bound, +infinity when biased); otherwise INVALID_ARGUMENT saying why:
// DIANA and Rand-DIANA need an unbiased compressor with finite omega; error
// feedback and EF21 a contractive one (biased, or omega < 1).
absl::Status CheckShiftCombination(Shift rule, const CompressorConfig& config,
                                   double omega);

// The sender's input to the compressor: x = v - h for the shifted rules,
// p = v + e for error feedback (e may be empty: zero), v otherwise.
void FormCompressorInput(Shift rule, absl::Span<const float> v,
                         absl::Span<const float> h, absl::Span<const float> e,
                         absl::Span<float> x);

// Both sides, once Q (the compressor's output) is known: writes the
// receiver's output to `out` (which may alias q) and updates h.
void ApplyCompressed(Shift rule, float alpha, absl::Span<const float> q,
                     absl::Span<float> h, absl::Span<float> out);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_SHIFT_RULE_H_
