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

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
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

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_ADAPTIVE_CONTEXT_CODER_H_
