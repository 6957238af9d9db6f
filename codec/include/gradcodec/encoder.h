// The stateful encoder of one gradient stream (spec/FORMAT.md sections 5
// and 11). Each Encode() call turns one step's update into one packet:
//
//   optional Nesterov momentum  m = mu m + g,  v = mu m + g
//   error feedback              p = v + e
//   signs                       s = sign(p), for signxor overridden where the
//                               rate-distortion rule says so
//   block scales                alpha_b = max(0, <p_b, s_b> / |b|), quantised
//   packet                      scales, signs or flips, entropy-coded
//   error memory                e = p - Delta, Delta exactly what the
//                               decoder will output
//
// The shifted methods (Method::kTopK .. kFp32, spec section 11.9) instead
// compress v - h (or v + e) with their compressor and output what their
// shift rule (EncoderOptions::shifted) makes of h and the compressed
// vector; both ends track h.
//
// Not thread-safe: one encoder per stream, used from one thread at a time.
#ifndef GRADCODEC_ENCODER_H_
#define GRADCODEC_ENCODER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gradcodec/codec_options.h"

namespace gradcodec {

// What one Encode() call did.
struct EncodeStats {
  bool key = false;           // a key packet
  uint64_t packet_bytes = 0;  // every byte of the packet
  uint64_t flips = 0;         // signxor deltas: signs changed
  uint64_t kept = 0;          // signxor deltas: signs sent against sign(p)
  double lambda = 0;          // signxor: the rate-distortion lambda used
};

// The Delta of a packet in compact form, for callers that measure it
// without a dense copy: coordinate i of block b (blocks b cover
// [block_starts[b], block_starts[b + 1])) is -scales[b] when its sign bit
// (bit i % 64 of signs[i / 64]) is set and +scales[b] otherwise, bit for
// bit what a decoder outputs (-0.0 for a negative sign of scale 0). Method
// sign has one block of scale 1.
struct SignedScales {
  absl::Span<const uint64_t> signs;
  absl::Span<const uint64_t> block_starts;
  absl::Span<const float> scales;
};

class Encoder {
 public:
  // INVALID_ARGUMENT (naming the option) for options out of range, for a
  // shifted method whose shift rule its compressor does not support (DIANA
  // and Rand-DIANA need an unbiased compressor, error feedback and EF21 a
  // contractive one; the message says which), and the layout's own errors
  // (ValidateLayout).
  static absl::StatusOr<std::unique_ptr<Encoder>> Create(
      const EncoderOptions& options);

  ~Encoder();
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  // Encodes one step. `update` holds the layout's coordinate count of
  // floats, tensor after tensor. The packet replaces the contents of
  // `packet`. If `reconstruction` is not empty it must hold as many floats
  // and receives Delta, bit for bit what a decoder will output.
  //
  // Errors, each leaving the encoder exactly as it was:
  // INVALID_ARGUMENT (wrong sizes); NON_FINITE_INPUT (a NaN or Inf, named
  // by tensor and index).
  absl::Status Encode(absl::Span<const float> update,
                      std::vector<uint8_t>* packet,
                      absl::Span<float> reconstruction = {});

  // Makes the next packet a key packet (for a receiver that reports a
  // desynchronisation).
  void RequestKey();

  // Multiplies the error memory by `ratio`: call with eta_old / eta_new
  // when the learning rate changes from eta_old to eta_new, so that the
  // error stays in the units of the new steps (dist-EF-SGD).
  // INVALID_ARGUMENT, changing nothing, unless ratio is finite and >= 0.
  absl::Status RescaleError(float ratio);

  // The whole state (error memory, momentum, reference signs, flip
  // history, rate-distortion model and lambda, sequence, key schedule; for
  // the shifted methods the shift h, error memory, seed and fingerprint,
  // which with the sequence fix the random generator) as a versioned,
  // checksummed blob for a training checkpoint.
  std::vector<uint8_t> SaveState() const;

  // Replaces the state with one saved by an encoder created with the same
  // options: the packets that follow are the bytes the saving encoder would
  // have written. The blob records the method, the layout, and whether
  // momentum and error feedback are on, and those are checked; the other
  // options (the momentum value, lambda's start, the coder) are the
  // caller's to match. Errors, each leaving the state unchanged:
  // TRUNCATED, BAD_MAGIC, UNSUPPORTED_VERSION, CHECKSUM_MISMATCH (the
  // blob's framing); INVALID_ARGUMENT (a blob of another method, layout or
  // shifted seed, or with momentum or error feedback switched the other
  // way);
  // INVALID_FIELD (a decoder's blob, a value out of range); TRAILING_BYTES.
  absl::Status RestoreState(absl::Span<const uint8_t> blob);

  // The error memory e (empty when error feedback is off), valid until
  // the next call that changes the state (Encode writes the new memory to
  // a second buffer and swaps the two).
  absl::Span<const float> error() const;

  // The last packet's Delta, as Encode's `reconstruction` would have
  // received it, for the sign methods (empty spans for the shifted
  // methods, whose Delta is no scaled sign, before the first packet and
  // after RestoreState); valid until the next call that changes the state.
  SignedScales last_reconstruction() const;

  // An upper bound on the size of any packet this encoder writes (for
  // callers that provide the buffer, such as the C API).
  uint64_t MaxPacketSize() const;

  const EncodeStats& last_stats() const;
  // The options as given, with SignCoder::kAuto resolved to the coder used.
  const EncoderOptions& options() const;

 private:
  struct State;
  explicit Encoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace gradcodec

#endif  // GRADCODEC_ENCODER_H_
