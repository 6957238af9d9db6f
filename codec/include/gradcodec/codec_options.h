// Options of the stateful codec (spec/FORMAT.md section 11): which method a
// stream uses and how its encoder behaves. Plain structs, validated by
// Encoder::Create and Decoder::Create.
#ifndef GRADCODEC_CODEC_OPTIONS_H_
#define GRADCODEC_CODEC_OPTIONS_H_

#include <cstdint>
#include <vector>

#include "gradcodec/layout.h"

namespace gradcodec {

// Spec field `method_id`.
enum class Method : uint8_t {
  // SignSGD: one sign per coordinate; the receiver gets +1 or -1.
  kSign = 1,
  // One scale per tensor (Karimireddy et al.): alpha * sign, alpha the mean
  // absolute value of the tensor's error-corrected update.
  kScaledSign = 2,
  // One scale per block of the layout (Zheng et al., dist-EF-SGD).
  kBlockSign = 3,
  // block_sign whose signs travel as flips against the previously sent
  // signs, context-coded, with a rate-distortion encoder (SignXOR).
  kSignXor = 4,
  // The shifted family (Shulgin and Richtarik; spec section 11.10): each
  // compresses v - h for a shift h both sides track (EncoderOptions::shift)
  // and the receiver outputs what the shift rule says, from h and Q(v - h).
  // The k largest |coordinates|, values as fp32/fp16/bf16 (biased).
  kTopK = 5,
  // k random coordinates scaled by d/k, indices from the shared seeded
  // generator (unbiased, omega = d/k - 1).
  kRandK = 6,
  // QSGD random dithering with s levels and a norm per block (unbiased).
  kDither = 7,
  // Natural compression: stochastic rounding to a power of two (unbiased,
  // omega = 1/8).
  kNatural = 8,
  // Casts: round to nearest fp16 or bf16 (biased), or fp32 as is.
  kFp16 = 9,
  kBf16 = 10,
  kFp32 = 11,
};

// Whether `method` is one of the shifted family (kTopK .. kFp32).
inline bool IsShiftedMethod(Method method) {
  return method >= Method::kTopK && method <= Method::kFp32;
}

// The coder of sign and flip bit streams (spec section 10.6).
enum class SignCoder : uint8_t {
  // kAdaptive for streams of up to kAutoAdaptiveCoordinates coordinates,
  // where the fast coder's per-context tables (a few bytes for each of up
  // to 64 contexts) are a sizeable share of the packet; kFast above. The
  // adaptive coder codes bit by bit, several times slower than the fast
  // one for some 10% fewer bits (bench/codec_bench's EncodeTensor rows
  // measure both): an application that keeps one encoder per layer of a
  // large model, where those times add up, may prefer kFast.
  kAuto = 0,
  kFast = 1,  // static per-context models, byte-symbol speed
  // Adaptive binary range coder, the smallest output. signxor deltas code
  // their flips in an `adaptive_flips` section, whose models carry from
  // packet to packet (spec section 11.7.1).
  kAdaptive = 2,
};

// How a shifted method's sender and receiver track the shift h (Shulgin and
// Richtarik; spec/FORMAT.md section 11.10). Spec field `shift_rule`.
enum class Shift : uint8_t {
  // Plain compressed SGD: the receiver outputs Q(v).
  kNone = 0,
  // Error feedback as for the sign methods: p = v + e, the receiver
  // outputs C(p), e = p - C(p). Needs a contractive compressor: a biased
  // one, or an unbiased one with omega < 1.
  kErrorFeedback = 1,
  // EF21 (Richtarik et al. 2021): h += C(v - h) on both sides, the
  // receiver outputs the new h. Needs a contractive compressor.
  kEf21 = 2,
  // DIANA (Mishchenko et al. 2019): the receiver outputs h + Q(v - h), then
  // both sides set h += alpha Q(v - h). Needs an unbiased compressor.
  kDiana = 3,
  // Rand-DIANA: as DIANA without the alpha update; instead, with
  // probability `refresh_probability` a packet carries v uncompressed, the
  // receiver outputs it and h = v. Needs an unbiased compressor.
  kRandDiana = 4,
  // A fixed shift h = `fixed_shift`, carried by every key packet: the
  // receiver outputs h + Q(v - h).
  kFixed = 5,
};

// The precision of top_k's and rand_k's values. Spec field `value_format`.
enum class ValuePrecision : uint8_t { kFp32 = 0, kFp16 = 1, kBf16 = 2 };

// The options of the shifted methods (Method::kTopK .. kFp32); the sign
// methods ignore them.
struct ShiftedOptions {
  Shift shift = Shift::kErrorFeedback;
  // top_k, rand_k: coordinates kept, k; when k is 0, ceil(k_fraction * d)
  // for d coordinates (so k = 0 and k_fraction = 0 keep none). Clamped to
  // d. k_fraction in [0, 1].
  uint64_t k = 0;
  double k_fraction = 0.01;
  ValuePrecision values = ValuePrecision::kFp32;
  // dither: s, the levels per sign, 1..255. Its norms are per block of the
  // layout (each tensor's block_size).
  uint32_t levels = 4;
  // fp32: zstd the values instead of storing them.
  bool zstd = false;
  // The stream's random seed (rand_k's indices, stochastic rounding,
  // Rand-DIANA's coin), carried in key packets.
  uint64_t seed = 0;
  // DIANA's step, in (0, 1]; 0 means 1 / (omega + 1).
  float alpha = 0;
  // Rand-DIANA's refresh probability p, in (0, 1]; 0 means 1 / (omega + 1).
  double refresh_probability = 0;
  // kFixed: the shift, one float per coordinate, finite.
  std::vector<float> fixed_shift;
};

inline constexpr uint64_t kAutoAdaptiveCoordinates = uint64_t{1} << 20;

struct EncoderOptions {
  Method method = Method::kSignXor;
  // The tensors of every step; each tensor's block_size sets the blocks of
  // block_sign and signxor (0: one block per tensor).
  Layout layout;
  // Carried in every packet's `stream_id`.
  uint32_t stream_id = 0;
  // Nesterov momentum on the input (dist-EF-SGD): m = mu m + g, then
  // v = mu m + g is compressed. 0 disables it. In [0, 1).
  float momentum = 0;
  // Error feedback: compress p = v + e and keep e = p - reconstruction.
  bool error_feedback = true;
  // A key packet every this many packets (0: only the first one and those
  // asked for with RequestKey).
  uint64_t key_interval = 0;
  SignCoder sign_coder = SignCoder::kAuto;

  // signxor only.
  // Flips of a coordinate's history that select its flip context: 0..8,
  // 2^flip_history contexts. The fast coder's `flips` and
  // `grouped_flips` sections hold at most 6 (64 contexts, each with its
  // table in the packet), so with it the contexts are the last
  // min(flip_history, 6) flips. 8 by
  // measurement (bench/training_check --sweep): with the adaptive coder's
  // carried models, 8 flips cost 4% fewer bits than 6.
  uint32_t flip_history = 8;
  // Rate-distortion trade-off: a coordinate is sent with the likelier of
  // flip and non-flip in its context, rather than its own sign, when the
  // squared error that adds is below rd_lambda * alpha^2 times the bits
  // that saves. 0 sends every sign as it is. 1.5 by measurement
  // (bench/training_check --sweep, 12 seeds): 0.29 uplink bits per
  // coordinate at fp32's test accuracy (97.38% against 97.42%); 1.25 was
  // no more accurate within the spread of the seeds, 1.75 and above lose
  // accuracy.
  double rd_lambda = 1.5;
  // When > 0, the encoder adjusts rd_lambda from step to step (within
  // [0, 2]) to hold this many bits per coordinate on average (the packet's
  // bytes included); a target below what lambda 2 reaches is not held.
  double target_bits_per_coordinate = 0;

  // The shifted methods only; `error_feedback` is not read for them (their
  // shift rule, kErrorFeedback by default, says whether it is on).
  ShiftedOptions shifted;
};

// None yet: a decoder takes everything it needs from the key packet. The
// struct keeps Decoder::Create's signature stable when options arrive.
// (Transports that multiplex streams route by `stream_id` with
// ReadPacketInfo before a packet reaches its decoder.)
struct DecoderOptions {};

}  // namespace gradcodec

#endif  // GRADCODEC_CODEC_OPTIONS_H_
