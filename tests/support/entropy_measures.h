// Empirical entropies that coders are judged against (DESIGN.md section 6):
// order-0 for i.i.d. coders, conditional on the context for context coders.
#ifndef GRADCODEC_TESTS_SUPPORT_ENTROPY_MEASURES_H_
#define GRADCODEC_TESTS_SUPPORT_ENTROPY_MEASURES_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace gradcodec::testing {

// H(p) in bits; 0 at p = 0 and p = 1.
double BinaryEntropy(double p);

struct BitEntropy {
  double conditional_bits = 0;  // sum over contexts of n_c H(p_c)
  double order0_bits = 0;       // n H(p), ignoring the contexts
};

// Of `count` packed bits whose contexts are `contexts` (empty: one context).
BitEntropy MeasureBitEntropy(absl::Span<const uint64_t> words, uint64_t count,
                             absl::Span<const uint8_t> contexts,
                             uint32_t context_count);

// Order-0 entropy of a byte sequence, in bits.
double ByteEntropyBits(absl::Span<const uint8_t> bytes);

}  // namespace gradcodec::testing

#endif  // GRADCODEC_TESTS_SUPPORT_ENTROPY_MEASURES_H_
