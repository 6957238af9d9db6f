// The `fast` context coder's body (after the `bit_coder` byte and the
// `context_count` field, which context_bit_coder.cc handles for every
// context coder); see spec/FORMAT.md, "Fast context coding".
#ifndef GRADCODEC_CODEC_ENTROPY_FAST_CONTEXT_CODER_H_
#define GRADCODEC_CODEC_ENTROPY_FAST_CONTEXT_CODER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "codec/entropy/context_split.h"
#include "format/byte_reader.h"

namespace gradcodec::internal {

// With `group_of`, the contexts are mapped to groups, context_count of
// them (SplitByContextGroups).
void EncodeFastContextBits(absl::Span<const uint64_t> bits, uint64_t bit_count,
                           absl::Span<const uint8_t> contexts,
                           uint32_t context_count, std::vector<uint8_t>* out,
                           const uint8_t* group_of = nullptr);

absl::Status DecodeFastContextBits(ByteReader& reader,
                                   absl::Span<const uint8_t> contexts,
                                   uint32_t context_count, uint64_t bit_count,
                                   absl::Span<uint64_t> out);

// The same with the contexts as bit planes (planes.count bits), telling
// `on_merged` of the output words as MergeByContextPlanes finishes them
// (none when there is one context: nothing is merged).
absl::Status DecodeFastContextBitsByPlanes(ByteReader& reader,
                                           const ContextPlanes& planes,
                                           uint32_t context_count,
                                           absl::Span<uint64_t> out,
                                           MergedWords on_merged);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_FAST_CONTEXT_CODER_H_
