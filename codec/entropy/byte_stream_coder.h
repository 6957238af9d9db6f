// Byte streams (scale deltas, indices, levels): coded with a static rANS
// table, stored, or zstd (spec/FORMAT.md, "Byte streams").
//
//   payload = byte_coder (u8), symbol_count (varint), body
//     stored: the symbols
//     rans:   frequency table, then one rANS stream to the end of the payload
//     zstd:   one zstd frame to the end of the payload
#ifndef GRADCODEC_CODEC_ENTROPY_BYTE_STREAM_CODER_H_
#define GRADCODEC_CODEC_ENTROPY_BYTE_STREAM_CODER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace gradcodec::internal {

// Spec field `byte_coder`.
enum class ByteCoder : uint8_t {
  kStored = 0,
  kRans = 1,
  kZstd = 2,
};

struct ByteStreamOptions {
  ByteCoder coder = ByteCoder::kRans;
  int zstd_level = 3;
};

// Appends the payload for `symbols`. With kRans (the default) the stream is
// stored instead whenever coding would not make it smaller.
void EncodeByteStream(absl::Span<const uint8_t> symbols,
                      const ByteStreamOptions& options,
                      std::vector<uint8_t>* out);

// Decodes a whole payload into `out` (replacing its contents). The payload
// may declare at most `max_count` symbols (LIMIT_EXCEEDED otherwise), which
// bounds what a hostile payload can make the decoder allocate. Errors:
// TRUNCATED, MALFORMED_VARINT, INVALID_FIELD (unknown byte_coder),
// CORRUPT_PAYLOAD.
absl::Status DecodeByteStream(absl::Span<const uint8_t> payload,
                              size_t max_count, std::vector<uint8_t>* out);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_BYTE_STREAM_CODER_H_
