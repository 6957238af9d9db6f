#include "codec/entropy/context_bit_coder.h"

#include <cassert>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "codec/entropy/adaptive_context_coder.h"
#include "codec/entropy/fast_context_coder.h"
#include "codec/entropy/zstd_coder.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

uint64_t PackedBytes(uint64_t bit_count) { return (bit_count + 7) / 8; }

// The bits as little-endian bytes (the host is little-endian, CMake checks).
absl::Span<const uint8_t> AsBytes(absl::Span<const uint64_t> bits,
                                  uint64_t bit_count) {
  return absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(bits.data()),
                                   PackedBytes(bit_count));
}

void WriteStored(absl::Span<const uint64_t> bits, uint64_t bit_count,
                 std::vector<uint8_t>* out) {
  ByteWriter writer(out);
  writer.WriteU8(static_cast<uint8_t>(BitCoder::kStored));
  writer.WriteBytes(AsBytes(bits, bit_count));
}

// Copies packed bytes into words, checking the padding bits are zero.
absl::Status ReadPackedBytes(absl::Span<const uint8_t> bytes,
                             uint64_t bit_count, absl::Span<uint64_t> out) {
  if (bytes.size() != PackedBytes(bit_count)) {
    return MakeError(bytes.size() < PackedBytes(bit_count)
                         ? ErrorCode::kTruncated
                         : ErrorCode::kTrailingBytes,
                     absl::StrCat("packed bits are ", bytes.size(),
                                  " bytes; ", bit_count, " bits need ",
                                  PackedBytes(bit_count)));
  }
  std::fill(out.begin(), out.end(), 0);
  if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  if ((bit_count & 63) != 0 &&
      (out[bit_count >> 6] >> (bit_count & 63)) != 0) {
    return MakeError(ErrorCode::kCorruptPayload,
                     "padding bits after the last bit are not zero");
  }
  return absl::OkStatus();
}

// The `context_count` field that starts the fast and adaptive bodies: the
// encoder's context count, which must be the decoder's.
absl::Status ReadContextCount(ByteReader& reader, uint32_t context_count) {
  uint64_t declared = 0;
  if (absl::Status s = reader.ReadVarint("context_count", &declared);
      !s.ok()) {
    return s;
  }
  if (declared != context_count) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("field `context_count` is ", declared,
                                  "; the decoder uses ", context_count));
  }
  return absl::OkStatus();
}

// Decodes a whole payload (see DecodeContextBits), with the contexts as
// bytes, or as planes when `planes` is set (not for the adaptive coder;
// the fast coder's merge then tells `on_merged` of the words it finishes).
absl::Status Decode(absl::Span<const uint8_t> payload,
                    absl::Span<const uint8_t> contexts,
                    const ContextPlanes* planes, uint32_t context_count,
                    uint64_t bit_count, absl::Span<uint64_t> out,
                    MergedWords on_merged);

}  // namespace

void EncodeContextBits(absl::Span<const uint64_t> bits, uint64_t bit_count,
                       absl::Span<const uint8_t> contexts,
                       uint32_t context_count, const ContextBitOptions& options,
                       std::vector<uint8_t>* out) {
  assert(bits.size() >= BitWords(bit_count));
  assert(context_count >= 1 && context_count <= kMaxContextCount);
  assert(contexts.size() == bit_count ||
         (contexts.empty() && context_count == 1));
#ifndef NDEBUG
  for (uint8_t c : contexts) {
    assert(options.group_of == nullptr
               ? c < context_count
               : c < kMaxGroupedContexts &&
                     options.group_of[c] < context_count);
  }
  assert(options.group_of == nullptr || options.coder == BitCoder::kFast);
#endif
  const size_t start = out->size();
  ByteWriter writer(out);
  switch (options.coder) {
    case BitCoder::kStored:
      break;
    case BitCoder::kFast:
      writer.WriteU8(static_cast<uint8_t>(BitCoder::kFast));
      writer.WriteVarint(context_count);
      EncodeFastContextBits(bits, bit_count, contexts, context_count, out,
                            options.group_of);
      if (out->size() - start <= 1 + PackedBytes(bit_count)) return;
      out->resize(start);  // coding did not pay: store instead
      break;
    case BitCoder::kAdaptive:
      writer.WriteU8(static_cast<uint8_t>(BitCoder::kAdaptive));
      writer.WriteVarint(context_count);
      EncodeAdaptiveContextBits(bits, bit_count, contexts,
                                options.adaptive_max_rate, out);
      return;
    case BitCoder::kZstd:
      writer.WriteU8(static_cast<uint8_t>(BitCoder::kZstd));
      ZstdCompress(AsBytes(bits, bit_count), options.zstd_level, out);
      return;
  }
  WriteStored(bits, bit_count, out);
}

absl::Status DecodeContextBits(absl::Span<const uint8_t> payload,
                               absl::Span<const uint8_t> contexts,
                               uint32_t context_count, uint64_t bit_count,
                               absl::Span<uint64_t> out) {
  if (context_count < 1 || context_count > kMaxContextCount ||
      out.size() < BitWords(bit_count) ||
      !(contexts.size() == bit_count ||
        (contexts.empty() && context_count == 1))) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("DecodeContextBits: ", bit_count, " bits, ",
                                  contexts.size(), " contexts of ",
                                  context_count, ", ", out.size(),
                                  " output words"));
  }
  return Decode(payload, contexts, nullptr, context_count, bit_count, out,
                [](uint64_t, uint64_t) {});
}

absl::Status DecodeContextBitsByPlanes(absl::Span<const uint8_t> payload,
                                       const ContextPlanes& planes,
                                       uint32_t context_count,
                                       absl::Span<uint64_t> out,
                                       MergedWords on_merged) {
  if (context_count < 1 || context_count > kMaxContextCount ||
      out.size() < BitWords(planes.count)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("DecodeContextBitsByPlanes: ", planes.count,
                                  " bits, contexts of ", context_count, ", ",
                                  out.size(), " output words"));
  }
  // The words the merge has told of; the rest are told of at the end.
  const uint64_t words = BitWords(planes.count);
  uint64_t told = 0;
  const auto tell = [&](uint64_t first, uint64_t end) {
    on_merged(first, end);
    told = end;
  };
  absl::Status decoded;
  // Only the adaptive coder reads a context per bit as it goes.
  if (payload.empty() ||
      payload[0] != static_cast<uint8_t>(BitCoder::kAdaptive)) {
    decoded =
        Decode(payload, {}, &planes, context_count, planes.count, out, tell);
  } else {
    std::vector<uint8_t> contexts(planes.count);
    ContextsFromPlanes(planes, contexts.data());
    decoded =
        DecodeContextBits(payload, contexts, context_count, planes.count, out);
  }
  if (decoded.ok() && told < words) on_merged(told, words);
  return decoded;
}

namespace {

absl::Status Decode(absl::Span<const uint8_t> payload,
                    absl::Span<const uint8_t> contexts,
                    const ContextPlanes* planes, uint32_t context_count,
                    uint64_t bit_count, absl::Span<uint64_t> out,
                    MergedWords on_merged) {
  out = out.first(BitWords(bit_count));
  ByteReader reader(payload);
  uint8_t coder = 0;
  if (absl::Status s = reader.ReadU8("bit_coder", &coder); !s.ok()) return s;
  switch (static_cast<BitCoder>(coder)) {
    case BitCoder::kStored: {
      absl::Span<const uint8_t> bytes;
      reader.ReadBytes("packed_bits", reader.remaining(), &bytes).IgnoreError();
      return ReadPackedBytes(bytes, bit_count, out);
    }
    case BitCoder::kFast:
      if (absl::Status s = ReadContextCount(reader, context_count); !s.ok()) {
        return s;
      }
      if (absl::Status s =
              planes != nullptr
                  ? DecodeFastContextBitsByPlanes(reader, *planes,
                                                  context_count, out, on_merged)
                  : DecodeFastContextBits(reader, contexts, context_count,
                                          bit_count, out);
          !s.ok()) {
        return s;
      }
      return reader.ExpectEnd("the fast context-coded bits");
    case BitCoder::kAdaptive:
      if (absl::Status s = ReadContextCount(reader, context_count); !s.ok()) {
        return s;
      }
      return DecodeAdaptiveContextBits(reader, contexts, bit_count, out);
    case BitCoder::kZstd: {
      absl::Span<const uint8_t> frame;
      reader.ReadBytes("zstd_frame", reader.remaining(), &frame).IgnoreError();
      std::vector<uint8_t> bytes(PackedBytes(bit_count));
      if (absl::Status s = ZstdDecompress(frame, bytes.size(), bytes.data());
          !s.ok()) {
        return s;
      }
      return ReadPackedBytes(bytes, bit_count, out);
    }
  }
  return MakeError(ErrorCode::kInvalidField,
                   absl::StrCat("field `bit_coder` is ", coder,
                                "; it must be 0 (stored), 1 (fast), 2 "
                                "(adaptive) or 3 (zstd)"));
}

}  // namespace

}  // namespace gradcodec::internal
