// Saved codec state (Encoder::SaveState, Decoder::SaveState): a versioned,
// checksummed blob, so that training checkpoints can hold the codec's
// error memory, momentum, reference signs, flip history and sequence, and a
// run restored mid-stream produces the bytes of one that never stopped.
//
//   u8[4] "GCST" | u8 state_version (2) | u8 state_kind | body |
//   u64 XXH3-64 of every byte before it
//
// The body is the encoder's or decoder's own (encoder.cc, decoder.cc);
// floats and words are stored as their little-endian bytes.
#ifndef GRADCODEC_CODEC_STATE_BLOB_H_
#define GRADCODEC_CODEC_STATE_BLOB_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "codec/signxor/sign_reference.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"

namespace gradcodec::internal {

// 2: flip histories of eight flips (one byte each, as in 1, where the top
// two bits were always zero) and the signxor flip models. A version 1
// blob is refused: its histories lack the two oldest flips.
inline constexpr uint8_t kStateVersion = 2;
inline constexpr uint8_t kEncoderStateKind = 1;
inline constexpr uint8_t kDecoderStateKind = 2;

// Writes magic, version and kind.
void BeginStateBlob(uint8_t kind, std::vector<uint8_t>* out);
// Appends the checksum of everything in `out`.
void FinishStateBlob(std::vector<uint8_t>* out);

// Checks the framing of `blob` (TRUNCATED, BAD_MAGIC, UNSUPPORTED_VERSION,
// INVALID_FIELD for another kind, CHECKSUM_MISMATCH) and sets `body` to
// the bytes between the kind and the checksum.
absl::Status OpenStateBlob(absl::Span<const uint8_t> blob, uint8_t kind,
                           absl::Span<const uint8_t>* body);

void WriteFloats(absl::Span<const float> values, ByteWriter& writer);
void WriteWords(absl::Span<const uint64_t> words, ByteWriter& writer);
absl::Status ReadFloats(ByteReader& reader, absl::string_view field,
                        uint64_t count, std::vector<float>* values);
absl::Status ReadWords(ByteReader& reader, absl::string_view field,
                       uint64_t count, std::vector<uint64_t>* words);

// A signxor reference state of `count` coordinates: the sign words, the
// history bytes, the fingerprint and the flip models. Reading checks the
// models' parameters and counts and that no sign bit lies past the last
// coordinate (INVALID_FIELD), besides the reader's own errors.
void WriteSignReference(const SignReference& reference, ByteWriter& writer);
absl::Status ReadSignReference(ByteReader& reader, uint64_t count,
                               SignReference* reference);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_STATE_BLOB_H_
