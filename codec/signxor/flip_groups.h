// The encoder's choice of flip-context groups for a `grouped_flips`
// section (spec/FORMAT.md section 11.7.2): contexts whose flips are about
// as likely are coded as one sequence. The fast coder's split appends a
// 64-coordinate word's bits once per context the word holds: with the 64
// contexts of six flips, 15 to 25 of them on real gradients' flips (20 to
// 30 on the codec bench's); with at most 8 groups of contexts far fewer,
// at a cost in bits that merging contexts of near-equal rates keeps small.
#ifndef GRADCODEC_CODEC_SIGNXOR_FLIP_GROUPS_H_
#define GRADCODEC_CODEC_SIGNXOR_FLIP_GROUPS_H_

#include <array>
#include <cstdint>

#include "codec/signxor/rate_distortion.h"

namespace gradcodec::internal {

// The most groups the encoder forms: three planes of masks in the split.
// On the codec bench's steps, 8 groups at most cost 0.18% more bits than
// 16 at most (0.31% more than the 64 contexts) and take the split a sixth
// less time.
inline constexpr uint32_t kMaxFlipGroups = 8;

struct FlipGroups {
  uint32_t group_count = 1;
  // group_of[c]: the group of context c, below group_count.
  std::array<uint8_t, kFlipContexts> group_of{};
};

// Groups for `context_count` contexts (at most kFlipContexts) that
// minimise the estimated size of the flips, sum over groups of T_g *
// H(F_g / T_g) for a group's sampled flips F_g of T_g sampled coordinates,
// with at most `max_groups` groups (1..kMaxFlipGroups) of contexts
// adjacent in the order of their sampled flip rates (which holds an
// optimal grouping). A context without samples goes where its prior rate
// of 1/2 sorts it.
FlipGroups ChooseFlipGroups(const FlipRateModel::StepCounts& flips,
                            const FlipRateModel::StepCounts& totals,
                            uint32_t context_count, uint32_t max_groups);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SIGNXOR_FLIP_GROUPS_H_
