#include "codec/entropy/byte_stream_coder.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "codec/entropy/encoder_scratch.h"
#include "codec/entropy/frequency_table.h"
#include "codec/entropy/rans_stream.h"
#include "codec/entropy/zstd_coder.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

void EncodeRansBody(absl::Span<const uint8_t> symbols,
                    std::vector<uint8_t>* out) {
  std::array<uint64_t, 256> counts{};
  for (uint8_t s : symbols) ++counts[s];
  const FrequencyTable table = NormalizeFrequencies(counts);
  SerializeFrequencyTable(table, out);
  auto encode = std::make_unique<RansEncodeTable>();
  BuildEncodeTable(table, encode.get());
  const double expected_bytes =
      static_cast<double>(CodedCostQ16(table, counts)) / (8 * 65536.0);
  RansStreamEncoder encoder(ThreadEncoderScratch().rans_words.Get(
                                RansStreamEncoder::BufferSize(symbols.size())),
                            RansLanesFor(symbols.size(), expected_bytes));
  encoder.PutAll(0, symbols, *encode);
  encoder.Finish(out);
}

absl::Status DecodeRansBody(ByteReader& reader, size_t count,
                            std::vector<uint8_t>* out) {
  absl::StatusOr<FrequencyTable> table = ParseFrequencyTable(reader);
  if (!table.ok()) return table.status();
  auto decode = std::make_unique<RansDecodeTable>();
  BuildDecodeTable(*table, decode.get());
  absl::Span<const uint8_t> stream;
  reader.ReadBytes("rans_stream", reader.remaining(), &stream).IgnoreError();
  RansStreamDecoder decoder;
  if (absl::Status s = decoder.Init(stream); !s.ok()) return s;
  out->resize(count);
  decoder.GetAll(0, absl::MakeSpan(*out), *decode);
  return decoder.Finish();
}

}  // namespace

void EncodeByteStream(absl::Span<const uint8_t> symbols,
                      const ByteStreamOptions& options,
                      std::vector<uint8_t>* out) {
  const size_t start = out->size();
  ByteWriter writer(out);
  if (options.coder == ByteCoder::kRans && !symbols.empty()) {
    writer.WriteU8(static_cast<uint8_t>(ByteCoder::kRans));
    writer.WriteVarint(symbols.size());
    EncodeRansBody(symbols, out);
    if (out->size() - start < 1 + VarintLength(symbols.size()) +
                                  symbols.size()) {
      return;
    }
    out->resize(start);  // coding did not pay: store instead
  } else if (options.coder == ByteCoder::kZstd) {
    writer.WriteU8(static_cast<uint8_t>(ByteCoder::kZstd));
    writer.WriteVarint(symbols.size());
    ZstdCompress(symbols, options.zstd_level, out);
    return;
  }
  writer.WriteU8(static_cast<uint8_t>(ByteCoder::kStored));
  writer.WriteVarint(symbols.size());
  writer.WriteBytes(symbols);
}

absl::Status DecodeByteStream(absl::Span<const uint8_t> payload,
                              size_t max_count, std::vector<uint8_t>* out) {
  ByteReader reader(payload);
  uint8_t coder = 0;
  uint64_t count = 0;
  if (absl::Status s = reader.ReadU8("byte_coder", &coder); !s.ok()) return s;
  if (coder > static_cast<uint8_t>(ByteCoder::kZstd)) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("byte stream field `byte_coder` is ", coder,
                                  "; it must be 0 (stored), 1 (rans) or 2 "
                                  "(zstd)"));
  }
  if (absl::Status s = reader.ReadVarintAtMost("symbol_count", max_count,
                                               &count);
      !s.ok()) {
    return s;
  }
  switch (static_cast<ByteCoder>(coder)) {
    case ByteCoder::kStored: {
      absl::Span<const uint8_t> bytes;
      if (absl::Status s = reader.ReadBytes("symbols", count, &bytes);
          !s.ok()) {
        return s;
      }
      out->assign(bytes.begin(), bytes.end());
      return reader.ExpectEnd("a stored byte stream");
    }
    case ByteCoder::kRans:
      if (count == 0) {
        return MakeError(ErrorCode::kCorruptPayload,
                         "an empty byte stream must be stored, not rANS");
      }
      return DecodeRansBody(reader, static_cast<size_t>(count), out);
    case ByteCoder::kZstd: {
      absl::Span<const uint8_t> frame;
      reader.ReadBytes("zstd_frame", reader.remaining(), &frame).IgnoreError();
      out->resize(static_cast<size_t>(count));
      return ZstdDecompress(frame, out->size(), out->data());
    }
  }
  return MakeError(ErrorCode::kInternal, "unreachable byte_coder");
}

}  // namespace gradcodec::internal
