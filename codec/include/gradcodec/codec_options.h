// Options of the stateful codec (spec/FORMAT.md section 11): which method a
// stream uses and how its encoder behaves. Plain structs, validated by
// Encoder::Create and Decoder::Create.
#ifndef GRADCODEC_CODEC_OPTIONS_H_
#define GRADCODEC_CODEC_OPTIONS_H_

#include <cstdint>

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
};

// The coder of sign and flip bit streams (spec section 10.6).
enum class SignCoder : uint8_t {
  // kAdaptive for streams of up to kAutoAdaptiveCoordinates coordinates,
  // where the fast coder's per-context tables (a few bytes for each of up
  // to 64 contexts) are a sizeable share of the packet and the adaptive
  // coder's speed does not matter; kFast above.
  kAuto = 0,
  kFast = 1,      // static per-context models, byte-symbol speed
  kAdaptive = 2,  // adaptive binary range coder, the smallest output
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
  // Flips of a coordinate's history that select its flip context: 0..6,
  // 2^flip_history contexts.
  uint32_t flip_history = 6;
  // Rate-distortion trade-off: a coordinate is sent with the likelier of
  // flip and non-flip in its context, rather than its own sign, when the
  // squared error that adds is below rd_lambda * alpha^2 times the bits
  // that saves. 0 sends every sign as it is. 0.8 by measurement
  // (bench/training_check): about 0.45 uplink bits per coordinate, and
  // training accuracy as far from fp32 as at 0 or 1.25 within the spread
  // of the seeds.
  double rd_lambda = 0.8;
  // When > 0, the encoder adjusts rd_lambda from step to step (within
  // [0, 2]) to hold this many bits per coordinate on average (the packet's
  // bytes included); a target below what lambda 2 reaches is not held.
  double target_bits_per_coordinate = 0;
};

// None yet: a decoder takes everything it needs from the key packet. The
// struct keeps Decoder::Create's signature stable when options arrive.
// (Transports that multiplex streams route by `stream_id` with
// ReadPacketInfo before a packet reaches its decoder.)
struct DecoderOptions {};

}  // namespace gradcodec

#endif  // GRADCODEC_CODEC_OPTIONS_H_
