// Pieces the shifted compressors' payloads are built from (spec/FORMAT.md
// section 11.11): values in a value format, sign bits of the nonzero
// coordinates, and byte streams that are followed by more fields and so
// carry a length prefix.
#ifndef GRADCODEC_CODEC_SHIFTED_PAYLOAD_PARTS_H_
#define GRADCODEC_CODEC_SHIFTED_PAYLOAD_PARTS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "codec/entropy/byte_stream_coder.h"
#include "codec/shifted/compressor.h"
#include "format/byte_reader.h"

namespace gradcodec::internal {

// Bytes per value of a value format.
uint64_t ValueWidth(ValueFormat format);

// Rounds each value to `format` (saturating, narrow_float.h), appends
// their little-endian bytes to `bytes`, and writes the widened values,
// exactly what a receiver reads, to `widened`.
void NarrowValues(absl::Span<const float> values, ValueFormat format,
                  std::vector<uint8_t>* bytes, absl::Span<float> widened);

// Reads values.size() values of `format` from `bytes` (exactly that many
// bytes); INVALID_FIELD naming `field` for a non-finite one.
absl::Status WidenValues(absl::Span<const uint8_t> bytes, ValueFormat format,
                         absl::string_view field, absl::Span<float> values);

// A byte stream (section 10.5) with a varint length in front, so that
// fields can follow it.
void WritePrefixedByteStream(absl::Span<const uint8_t> symbols,
                             const ByteStreamOptions& options,
                             std::vector<uint8_t>* out);

// Reads one, decoding exactly `expected` symbols (LIMIT_EXCEEDED above it,
// CORRUPT_PAYLOAD below it, naming `field`).
absl::Status ReadPrefixedByteStream(ByteReader& reader,
                                    absl::string_view field,
                                    uint64_t expected,
                                    std::vector<uint8_t>* symbols);

// Decodes a whole byte stream of exactly `expected` symbols.
absl::Status ReadWholeByteStream(absl::Span<const uint8_t> payload,
                                 absl::string_view field, uint64_t expected,
                                 std::vector<uint8_t>* symbols);

// The sign bits (1 = negative) of `count` coordinates as a context-coded
// bit stream with one context (section 10.6), to the end of the payload.
void WriteSignBits(absl::Span<const uint64_t> words, uint64_t count,
                   std::vector<uint8_t>* out);
absl::Status ReadSignBits(absl::Span<const uint8_t> payload, uint64_t count,
                          std::vector<uint64_t>* words);

inline bool BitAt(const std::vector<uint64_t>& words, uint64_t i) {
  return ((words[i >> 6] >> (i & 63)) & 1u) != 0;
}

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_PAYLOAD_PARTS_H_
