// Static models that code a run of i.i.d. bits at byte-symbol speed
// (spec/FORMAT.md, "Fast context coding").
//
// A context's bits are coded as one of:
//   - runs:  phrases "s zeros then a one" (symbol s < R) and "R zeros"
//            (symbol R), so a sparse stream costs one rANS symbol per one
//            bit, not per bit. For i.i.d. bits with P(1) = p the phrase
//            probabilities are p q^s and q^R (q = 1 - p);
//   - bytes: eight bits per symbol, P(b) = p^k q^(8-k) for k ones in b;
//   - stored bits, or a constant (all zeros / all ones).
// Tables are derived from p (Q16) and R alone, with integer arithmetic, so
// only those few bytes travel and every decoder derives the same table.
#ifndef GRADCODEC_CODEC_ENTROPY_BINARY_MODELS_H_
#define GRADCODEC_CODEC_ENTROPY_BINARY_MODELS_H_

#include <cstdint>

#include "codec/entropy/frequency_table.h"

namespace gradcodec::internal {

// p16: probability of a one in 1/65536 units, 1..32768 (models always code
// the minority bit as one, inverting the stream when needed).
inline constexpr uint32_t kMaxModelP16 = 32768;
inline constexpr uint32_t kMaxRunSymbol = 255;  // R

FrequencyTable RunLengthTable(uint32_t p16, uint32_t max_run);
FrequencyTable ByteGroupTable(uint32_t p16);

// Spec field `context_mode`.
enum class ContextMode : uint8_t {
  kAllZero = 0,
  kAllOne = 1,
  kStored = 2,
  kRuns = 3,
  kRunsInverted = 4,
  kBytes = 5,
  kBytesInverted = 6,
};

struct ContextModel {
  ContextMode mode = ContextMode::kStored;
  uint32_t p16 = 0;      // runs and bytes modes
  uint32_t max_run = 0;  // runs modes
  // Decoder side: rANS symbols the context takes (runs: sent; bytes:
  // ceil(bits / 8)).
  uint64_t symbol_count = 0;
  // Encoder side: the model's expected size in bits.
  double expected_bits = 0;
};

// Chooses the cheapest model for `bit_count` bits of which `one_count` are
// ones, by each model's expected cost on i.i.d. bits. Deterministic.
ContextModel ChooseContextModel(uint64_t bit_count, uint64_t one_count);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_BINARY_MODELS_H_
