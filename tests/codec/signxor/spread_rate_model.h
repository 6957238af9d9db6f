// A flip-rate model for the rate-distortion tests: its 64 contexts have
// flip rates spread over (0, 1), so that the rule's levels take many
// values and both outcomes are favoured somewhere.
#ifndef GRADCODEC_TESTS_CODEC_SIGNXOR_SPREAD_RATE_MODEL_H_
#define GRADCODEC_TESTS_CODEC_SIGNXOR_SPREAD_RATE_MODEL_H_

#include <cstdint>

#include "codec/signxor/rate_distortion.h"

namespace gradcodec::internal {

inline FlipRateModel SpreadRateModel() {
  FlipRateModel model;
  FlipRateModel::StepCounts flips{}, totals{};
  for (int c = 0; c < kFlipContexts; ++c) {
    totals[c] = 1000;
    flips[c] = static_cast<uint64_t>(5 + c * 15);
  }
  model.ObserveCounts(flips, totals);
  return model;
}

}  // namespace gradcodec::internal

#endif  // GRADCODEC_TESTS_CODEC_SIGNXOR_SPREAD_RATE_MODEL_H_
