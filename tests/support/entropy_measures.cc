#include "entropy_measures.h"

#include <cmath>

namespace gradcodec::testing {

double BinaryEntropy(double p) {
  if (p <= 0 || p >= 1) return 0;
  return -(p * std::log2(p) + (1 - p) * std::log2(1 - p));
}

BitEntropy MeasureBitEntropy(absl::Span<const uint64_t> words, uint64_t count,
                             absl::Span<const uint8_t> contexts,
                             uint32_t context_count) {
  std::vector<uint64_t> ones(context_count), total(context_count);
  for (uint64_t i = 0; i < count; ++i) {
    const uint32_t c = contexts.empty() ? 0 : contexts[i];
    ++total[c];
    ones[c] += (words[i >> 6] >> (i & 63)) & 1;
  }
  BitEntropy entropy;
  uint64_t all_ones = 0;
  for (uint32_t c = 0; c < context_count; ++c) {
    all_ones += ones[c];
    if (total[c] != 0) {
      entropy.conditional_bits +=
          static_cast<double>(total[c]) *
          BinaryEntropy(static_cast<double>(ones[c]) / total[c]);
    }
  }
  if (count != 0) {
    entropy.order0_bits = static_cast<double>(count) *
                          BinaryEntropy(static_cast<double>(all_ones) / count);
  }
  return entropy;
}

double ByteEntropyBits(absl::Span<const uint8_t> bytes) {
  std::vector<double> counts(256);
  for (uint8_t b : bytes) ++counts[b];
  double bits = 0;
  for (double c : counts) {
    if (c > 0) bits -= c * std::log2(c / static_cast<double>(bytes.size()));
  }
  return bits;
}

}  // namespace gradcodec::testing
