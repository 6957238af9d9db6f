#include "codec/state_blob.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/method_sections.h"
#include "codec/signxor/flip_history.h"
#include "format/checksum.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

constexpr uint8_t kStateMagic[4] = {'G', 'C', 'S', 'T'};
constexpr size_t kStateHeaderBytes = 6;

}  // namespace

void BeginStateBlob(uint8_t kind, std::vector<uint8_t>* out) {
  out->assign(kStateMagic, kStateMagic + 4);
  out->push_back(kStateVersion);
  out->push_back(kind);
}

void FinishStateBlob(std::vector<uint8_t>* out) {
  const uint64_t checksum = Xxh3(*out);
  ByteWriter(out).WriteU64(checksum);
}

absl::Status OpenStateBlob(absl::Span<const uint8_t> blob, uint8_t kind,
                           absl::Span<const uint8_t>* body) {
  if (blob.size() < kStateHeaderBytes + 8) {
    return MakeError(ErrorCode::kTruncated,
                     absl::StrCat("a codec state blob is ", blob.size(),
                                  " bytes; framing alone takes 14"));
  }
  if (std::memcmp(blob.data(), kStateMagic, 4) != 0) {
    return MakeError(ErrorCode::kBadMagic,
                     "a codec state blob starts with \"GCST\"");
  }
  if (blob[4] != kStateVersion) {
    return MakeError(ErrorCode::kUnsupportedVersion,
                     absl::StrCat("codec state field `state_version` is ",
                                  blob[4], "; this build reads ",
                                  kStateVersion,
                                  blob[4] < kStateVersion
                                      ? " (an older build saved it: restart "
                                        "the stream from a key packet)"
                                      : ""));
  }
  if (blob[5] != kind) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("codec state field `state_kind` is ",
                                  blob[5], "; expected ", kind,
                                  kind == kEncoderStateKind ? " (encoder)"
                                                            : " (decoder)"));
  }
  const size_t end = blob.size() - 8;
  uint64_t stored = 0;
  for (int i = 0; i < 8; ++i) {
    stored |= static_cast<uint64_t>(blob[end + static_cast<size_t>(i)]) << (8 * i);
  }
  if (stored != Xxh3(blob.first(end))) {
    return MakeError(ErrorCode::kChecksumMismatch,
                     "the codec state blob's checksum does not match");
  }
  *body = blob.subspan(kStateHeaderBytes, end - kStateHeaderBytes);
  return absl::OkStatus();
}

void WriteFloats(absl::Span<const float> values, ByteWriter& writer) {
  writer.WriteBytes(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(values.data()),
      values.size() * sizeof(float)));
}

void WriteWords(absl::Span<const uint64_t> words, ByteWriter& writer) {
  writer.WriteBytes(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(words.data()),
      words.size() * sizeof(uint64_t)));
}

namespace {

// Reads count * sizeof(T) bytes as T values (little-endian host).
template <typename T>
absl::Status ReadRaw(ByteReader& reader, absl::string_view field,
                     uint64_t count, std::vector<T>* values) {
  if (count > reader.remaining() / sizeof(T)) {
    return MakeError(ErrorCode::kTruncated,
                     absl::StrCat("codec state field `", field, "` needs ",
                                  count, " values of ", sizeof(T),
                                  " bytes; the blob ends first"));
  }
  absl::Span<const uint8_t> bytes;
  if (absl::Status s = reader.ReadBytes(field, count * sizeof(T), &bytes);
      !s.ok()) {
    return s;
  }
  values->resize(count);
  if (count != 0) std::memcpy(values->data(), bytes.data(), bytes.size());
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadFloats(ByteReader& reader, absl::string_view field,
                        uint64_t count, std::vector<float>* values) {
  return ReadRaw(reader, field, count, values);
}

absl::Status ReadWords(ByteReader& reader, absl::string_view field,
                       uint64_t count, std::vector<uint64_t>* words) {
  return ReadRaw(reader, field, count, words);
}

void WriteSignReference(const SignReference& reference, ByteWriter& writer) {
  WriteWords(reference.signs, writer);
  // One byte per history, as the blob has always held them.
  std::vector<uint8_t> history(reference.history.count());
  reference.history.Contexts(kFlipHistoryBits, history.data());
  writer.WriteBytes(history);
  writer.WriteU64(reference.fingerprint);
  // The flip models: their three parameters, and the models when there
  // are any.
  const MixedModels& models = reference.flip_models;
  writer.WriteU8(models.fast_rate);
  writer.WriteU8(models.slow_rate);
  writer.WriteU8(models.history_bits);
  if (models.empty()) return;
  for (const MixedBit& bit : models.bits) {
    writer.WriteU32(bit.fast);
    writer.WriteU32(bit.slow);
    writer.WriteU32(bit.seen);
  }
}

namespace {

absl::Status ReadFlipModels(ByteReader& reader, MixedModels* models) {
  if (absl::Status s = reader.ReadU8("flip_fast_rate", &models->fast_rate);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = reader.ReadU8("flip_slow_rate", &models->slow_rate);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          reader.ReadU8("flip_models_history_bits", &models->history_bits);
      !s.ok()) {
    return s;
  }
  const auto bad = [](absl::string_view what) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("saved flip models: ", what));
  };
  if (models->empty()) {
    if (models->slow_rate != 0 || models->history_bits != 0) {
      return bad("empty models with a slow rate or history bits");
    }
    return absl::OkStatus();
  }
  if (models->fast_rate > kMaxAdaptiveRate || models->slow_rate == 0 ||
      models->slow_rate > kMaxAdaptiveRate) {
    return bad(absl::StrCat("rates ", models->fast_rate, " and ",
                            models->slow_rate, "; each must be 1..",
                            kMaxAdaptiveRate));
  }
  if (models->history_bits > kMaxAdaptiveFlipHistory) {
    return bad(absl::StrCat("history_bits ", models->history_bits,
                            "; at most ", kMaxAdaptiveFlipHistory));
  }
  const uint32_t seen_cap = models->SeenCap();
  for (MixedBit& bit : models->bits) {
    for (auto [field, value] : {std::pair{"flip_model_fast", &bit.fast},
                                {"flip_model_slow", &bit.slow},
                                {"flip_model_seen", &bit.seen}}) {
      if (absl::Status s = reader.ReadU32(field, value); !s.ok()) return s;
    }
    if (bit.seen > seen_cap) {
      return bad(absl::StrCat("a context has seen ", bit.seen,
                              " bits; the rates count to ", seen_cap));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadSignReference(ByteReader& reader, uint64_t count,
                               SignReference* reference) {
  if (absl::Status s = ReadWords(reader, "reference_signs", (count + 63) / 64,
                                 &reference->signs);
      !s.ok()) {
    return s;
  }
  absl::Span<const uint8_t> history;
  if (absl::Status s = reader.ReadBytes("flip_history", count, &history);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          reader.ReadU64("reference_fingerprint", &reference->fingerprint);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadFlipModels(reader, &reference->flip_models);
      !s.ok()) {
    return s;
  }
  static_assert(kFlipHistoryBits == 8, "a saved history is one byte");
  reference->history.Assign(history.data(), count);
  if (count % 64 != 0 && (reference->signs.back() >> (count % 64)) != 0) {
    return MakeError(ErrorCode::kInvalidField,
                     "saved reference signs have bits past the last "
                     "coordinate");
  }
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
