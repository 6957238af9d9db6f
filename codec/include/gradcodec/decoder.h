// The stateful decoder of one gradient stream (spec/FORMAT.md sections 5
// and 11): it accepts a key packet in any state, then the delta packets
// that follow it in sequence, and outputs each step's reconstruction Delta.
//
// A packet it refuses, for any reason, leaves its state unchanged.
// Not thread-safe: one decoder per stream.
#ifndef GRADCODEC_DECODER_H_
#define GRADCODEC_DECODER_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gradcodec/codec_options.h"
#include "gradcodec/layout.h"

namespace gradcodec {

class Decoder {
 public:
  static absl::StatusOr<std::unique_ptr<Decoder>> Create(
      const DecoderOptions& options = {});

  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes one packet into `out`, which must hold the coordinate count of
  // the packet's layout (a key packet's own, or the held one). On error
  // `out` holds unspecified values and the decoder's state is unchanged.
  //
  // Errors: the format errors of ReadPacketInfo; REFERENCE_MISMATCH (a
  // delta with no state, or against a layout or reference it does not
  // hold); SEQUENCE_MISMATCH (a lost, repeated or reordered packet);
  // UNSUPPORTED_METHOD; SECTION_PRESENCE (a method section missing or one
  // the method does not define); INVALID_FIELD, CORRUPT_PAYLOAD and the
  // other errors of the payloads (spec section 11); INVALID_ARGUMENT (`out`
  // of the wrong size).
  absl::Status Decode(absl::Span<const uint8_t> packet, absl::Span<float> out);

  // Decodes one packet and adds weight * Delta to `sum` instead of writing
  // Delta, with no temporary of the stream's size for the sign methods
  // (what an aggregator of many streams needs; a shifted method's decoder
  // holds its shift h, a vector of the stream's size, and decodes through
  // one more). Same errors; on error `sum` is unchanged.
  absl::Status DecodeAndAdd(absl::Span<const uint8_t> packet, float weight,
                            absl::Span<float> sum);

  // The whole state (layout, method, expected sequence, reference signs
  // and flip history; for the shifted methods the stream's setup, the
  // shift h and its fingerprint) as a versioned, checksummed blob.
  std::vector<uint8_t> SaveState() const;

  // Replaces the state with a saved one. Errors, each leaving the state
  // unchanged: TRUNCATED, BAD_MAGIC, UNSUPPORTED_VERSION,
  // CHECKSUM_MISMATCH; the layout's errors; INVALID_FIELD (a value out of
  // range); TRAILING_BYTES.
  absl::Status RestoreState(absl::Span<const uint8_t> blob);

  // The layout of the last key packet, or nullptr before the first.
  const Layout* layout() const;
  // The sequence the next delta packet must carry.
  uint64_t expected_sequence() const;

 private:
  struct State;
  explicit Decoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace gradcodec

#endif  // GRADCODEC_DECODER_H_
