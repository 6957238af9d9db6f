// The sums the reports are made of, for one tensor of one step, taken from
// the input v and the packet's Delta in compact form (signs and block
// scales, Encoder::last_reconstruction) in one pass over v: a dense Delta
// would be written by the encoder and read back, 8 bytes per coordinate
// more than the 4 of v (bench/cli_bench measured that at two thirds of the
// encoder's own time).
#ifndef GRADCODEC_CLI_COMMANDS_RECONSTRUCTION_MOMENTS_H_
#define GRADCODEC_CLI_COMMANDS_RECONSTRUCTION_MOMENTS_H_

#include <cstdint>

#include "absl/types/span.h"
#include "gradcodec/encoder.h"

namespace gradcodec::cli {

struct ReconstructionMoments {
  double error_squares = 0;      // ||Delta - v||^2
  double reference_squares = 0;  // ||v||^2
  double output_squares = 0;     // ||Delta||^2
  double dot = 0;                // <Delta, v>
  uint64_t flips = 0;  // signs that differ from `previous_signs`' (if given)
};

// The moments over coordinates [begin, end) of the step. `v` holds the
// whole step, `delta` describes the whole step's Delta, and
// `previous_signs`, when not empty, the previous packet's sign words.
ReconstructionMoments MeasureReconstruction(
    absl::Span<const float> v, const SignedScales& delta,
    absl::Span<const uint64_t> previous_signs, uint64_t begin, uint64_t end);

// The same from a dense Delta (the shifted methods, whose Delta is no
// scaled sign, and analyze's baselines), with no flips: those send none.
ReconstructionMoments MeasureDenseReconstruction(absl::Span<const float> v,
                                                 absl::Span<const float> delta,
                                                 uint64_t begin, uint64_t end);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_COMMANDS_RECONSTRUCTION_MOMENTS_H_
