// The `adaptive` context coder (the "max" mode): a binary range coder in the
// style of LZMA's, with one adaptive probability per context and no side
// information (spec/FORMAT.md, "Adaptive context coding").
//
// ---- Read me first --------------------------------------------------------
// The coder keeps an interval [low, low + range) and, for each bit, splits
// range in proportion to P(bit = 1) = p / 2^16: a one keeps the lower part,
// a zero the upper. Whenever range falls below 2^24 it is scaled up by 2^8
// and the top byte of low is settled and emitted (a carry can still ripple
// into already-settled 0xFF bytes, which the cache/pending count handles).
//
// Each context's probability is a 32-bit fixed-point estimate updated after
// every bit by p += (target - p) >> rate, where rate grows with the number
// of bits the context has seen (1, 2, 2, 3, 3, 3, 3, 4, ...) up to
// `max_rate`: early on it learns like a counting estimator, later it
// averages over about 2^max_rate bits. With 32-bit precision the estimate
// can get as small as a rare context needs (1e-4 and below), which a
// 12-bit LZMA probability cannot.
// ---------------------------------------------------------------------------
//
// These functions handle the body after the `bit_coder` byte and the
// `context_count` field (context_bit_coder.cc handles both for every
// context coder).
#ifndef GRADCODEC_CODEC_ENTROPY_ADAPTIVE_CONTEXT_CODER_H_
#define GRADCODEC_CODEC_ENTROPY_ADAPTIVE_CONTEXT_CODER_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "codec/entropy/context_bit_coder.h"
#include "format/byte_reader.h"

namespace gradcodec::internal {

void EncodeAdaptiveContextBits(absl::Span<const uint64_t> bits,
                               uint64_t bit_count,
                               absl::Span<const uint8_t> contexts,
                               uint32_t max_rate, std::vector<uint8_t>* out);

absl::Status DecodeAdaptiveContextBits(ByteReader& reader,
                                       absl::Span<const uint8_t> contexts,
                                       uint64_t bit_count,
                                       absl::Span<uint64_t> out);

// ---- Mixed-rate models that carry from packet to packet -------------------
// The coding of signxor's `adaptive_flips` section (spec/FORMAT.md section
// 11.7.1). Each context has two estimates of P(1), one adapting fast and
// one slowly, and codes with their mean: the flip rate of a context drifts
// along the coordinates (from tensor to tensor, block to block), which the
// fast one follows, while the slow one holds the context's average. The
// models are not reset between packets: a stream's contexts keep what the
// previous packets taught them instead of learning again from 1/2 (on the
// training check's flips, with 8-flip contexts, 4.2% fewer bits than one
// per-packet rate).
struct MixedBit {
  uint32_t fast = 1u << 31;  // Q32
  uint32_t slow = 1u << 31;  // Q32
  uint32_t seen = 0;         // bits seen, saturating at 2^max(rates)
};

struct MixedModels {
  uint8_t fast_rate = 0;  // 0: no models (none since the key)
  uint8_t slow_rate = 0;
  uint8_t history_bits = 0;  // of the contexts the models were taught
  std::array<MixedBit, kMaxContextCount> bits{};

  bool empty() const { return fast_rate == 0; }
  // Whether these are models a packet with the given rates and history
  // can carry on from.
  bool Carries(uint8_t fast, uint8_t slow, uint8_t history) const {
    return !empty() && fast_rate == fast && slow_rate == slow &&
           history_bits == history;
  }
  // Where every context's `seen` stops counting: 2^max(rates).
  uint32_t SeenCap() const {
    return 1u << (fast_rate > slow_rate ? fast_rate : slow_rate);
  }
  // No models (the estimates are left as they are: nothing reads them).
  void Clear() { fast_rate = slow_rate = history_bits = 0; }
  // Fresh models (every estimate 1/2, nothing seen) for the given rates.
  void Reset(uint8_t fast, uint8_t slow, uint8_t history);
};

// Range-codes `bit_count` bits (each with the models of contexts[i], every
// context below kMaxContextCount) and appends the bytes to `out`,
// updating the models as it goes.
void EncodeMixedContextBits(absl::Span<const uint64_t> bits, uint64_t bit_count,
                            absl::Span<const uint8_t> contexts,
                            MixedModels& models, std::vector<uint8_t>* out);

// The inverse, from `stream` (the whole range-coded byte string). On error
// the models hold garbage: callers decode with a copy.
absl::Status DecodeMixedContextBits(absl::Span<const uint8_t> stream,
                                    absl::Span<const uint8_t> contexts,
                                    uint64_t bit_count, MixedModels& models,
                                    absl::Span<uint64_t> out);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_ADAPTIVE_CONTEXT_CODER_H_
