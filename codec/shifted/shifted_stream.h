// The two ends of a shifted-method stream without the packet around them
// (spec/FORMAT.md sections 11.10-11.12): the sender turns each step's v
// into a message and the receiver's output, the receiver turns the message
// back into the same output, and both track the shift h identically.
//
// A message is either compressed (the compressor's payload of Q(v - h),
// or of Q(v + e) with error feedback) or, for Rand-DIANA, a refresh that
// carries v itself. Encoder and Decoder wrap messages into packets; the
// softmax convergence experiment uses them directly.
//
// Every call is transactional: an error leaves the object as it was.
#ifndef GRADCODEC_CODEC_SHIFTED_SHIFTED_STREAM_H_
#define GRADCODEC_CODEC_SHIFTED_SHIFTED_STREAM_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "codec/shifted/compressor.h"
#include "gradcodec/codec_options.h"

namespace gradcodec::internal {

// What both ends agree on (a key packet's `shift_setup`, spec 11.10).
struct ShiftedSetup {
  CompressorConfig compressor;
  Shift rule = Shift::kNone;
  float alpha = 1;                  // DIANA
  double refresh_probability = 0;   // Rand-DIANA (sender only)
  uint64_t seed = 0;
  std::vector<uint64_t> block_starts;  // dither's blocks
  std::vector<float> fixed_shift;      // kFixed: n floats
};

// Resolves and checks the public options for n coordinates and the given
// dither blocks: k from k or k_fraction, alpha and p from omega, the
// compressor and shift combination (CheckShiftCombination). Errors are
// INVALID_ARGUMENT naming the option.
absl::StatusOr<ShiftedSetup> ResolveShiftedSetup(
    Method method, const ShiftedOptions& options, uint64_t n,
    std::vector<uint64_t> block_starts);

struct ShiftedMessage {
  bool refresh = false;          // Rand-DIANA: payload is v as fp32
  std::vector<uint8_t> payload;  // compressor payload, or the refresh
};

// The float32 vector of a refresh or fixed shift: n little-endian floats
// as a stored byte stream (section 10.5), and its reader (INVALID_FIELD
// for a non-finite value).
void WriteDenseFloats(absl::Span<const float> values, std::vector<uint8_t>* out);
absl::Status ReadDenseFloats(absl::Span<const uint8_t> payload,
                             absl::Span<float> values);

// h, as both ends hold it: the fixed shift, or +0.0 until the rule moves
// it (empty for rules without a shift). A key packet does not reset it:
// the sender puts h in the key (key_shift.h), and the receiver a key
// packet creates starts from that.
class ShiftTrack {
 public:
  ShiftTrack() = default;
  ShiftTrack(const ShiftedSetup& setup, uint64_t n);
  absl::Span<const float> h() const { return h_; }
  std::vector<float>& mutable_h() { return h_; }

 private:
  std::vector<float> h_;
};

class ShiftedSender {
 public:
  ShiftedSender(ShiftedSetup setup, uint64_t n);

  // Encodes v (n finite floats) for the packet with `sequence`: fills
  // `message` and writes the receiver's output to `out` (n floats). Key
  // and delta packets step alike, so a key costs its extra sections and
  // changes no output.
  // NON_FINITE_INPUT when v - h, v + e or the compressed vector is not
  // finite (naming the coordinate); nothing changes then.
  absl::Status Step(absl::Span<const float> v, uint64_t sequence,
                    ShiftedMessage* message, absl::Span<float> out);

  const ShiftedSetup& setup() const { return setup_; }
  absl::Span<const float> h() const { return track_.h(); }
  absl::Span<const float> error() const { return error_; }
  // For state restore: sizes are the caller's to check.
  std::vector<float>& mutable_h() { return track_.mutable_h(); }
  std::vector<float>& mutable_error() { return error_; }

 private:
  ShiftedSetup setup_;
  uint64_t n_;
  ShiftTrack track_;
  std::vector<float> error_;  // error feedback's e
  // Scratch.
  std::vector<float> x_, q_, next_h_;
};

class ShiftedReceiver {
 public:
  ShiftedReceiver(ShiftedSetup setup, uint64_t n);

  // Decodes the message of the packet with `sequence` into `out` (n
  // floats). The new h waits for Commit(), so a packet refused later (by
  // the caller) changes nothing. On error `out` holds unspecified values.
  // Errors: those of Decompress and ReadDenseFloats, and INVALID_FIELD for
  // an output that is not finite.
  absl::Status Step(bool refresh, absl::Span<const uint8_t> payload,
                    uint64_t sequence, absl::Span<float> out);
  // Makes the h of the last successful Step the held one.
  void Commit();

  const ShiftedSetup& setup() const { return setup_; }
  absl::Span<const float> h() const { return track_.h(); }
  std::vector<float>& mutable_h() { return track_.mutable_h(); }

 private:
  ShiftedSetup setup_;
  uint64_t n_;
  ShiftTrack track_;
  std::vector<float> q_, next_h_;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_SHIFTED_STREAM_H_
