#include "codec/entropy/adaptive_context_coder.h"

#include <algorithm>
#include <bit>
#include <cassert>

#include "absl/strings/str_cat.h"
#include "codec/entropy/context_bit_coder.h"
#include "format/byte_writer.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

constexpr uint32_t kTopValue = 1u << 24;
constexpr int kProbabilityBits = 16;

// One step of an adaptive estimate p (Q32) towards the bit: p moves
// 2^-rate of the way to 0 or to 2^32 - 1. Both outcomes are computed before
// the bit is known and the bit only selects (a conditional move, not a
// branch: the bit is as unpredictable as the data), which keeps the
// bit-to-bit dependency chain short.
inline uint32_t AdaptiveStep(uint32_t p, uint32_t bit, uint32_t rate) {
  const uint32_t up = p + ((~p) >> rate);
  const uint32_t down = p - (p >> rate);
  return bit != 0 ? up : down;
}

// One context's adaptive estimate of P(bit = 1).
struct AdaptiveBit {
  uint32_t p = 1u << 31;  // Q32
  uint32_t seen = 0;      // bits seen, saturating at 2^max_rate
  uint32_t rate = 1;      // min(max_rate, bit_width(seen + 1)), kept current

  uint32_t P16() const {
    const uint32_t p16 = p >> 16;
    return p16 == 0 ? 1 : p16;  // never 0, and at most 65535
  }

  // The rate only changes while `seen` grows, a branch that soon settles.
  void Update(uint32_t bit, uint32_t max_rate) {
    p = AdaptiveStep(p, bit, rate);
    if (seen < (1u << max_rate)) {
      ++seen;
      rate = std::min<uint32_t>(
          max_rate, static_cast<uint32_t>(std::bit_width(seen + 1)));
    }
  }
};

class RangeEncoder {
 public:
  // Appends to `out`; Finish() must be called.
  explicit RangeEncoder(std::vector<uint8_t>* out)
      : out_(out) {}

  // Before each group of up to 64 bits: room for what they can emit (a bit
  // costs at most 16 bits at the smallest probability, 1/65536, so 64 bits
  // emit at most 128 bytes) plus the bytes still pending behind a possible
  // carry, which ShiftLow writes all at once when it resolves them (a long
  // run of one value can leave thousands pending), so that Encode writes
  // through a raw pointer with no capacity check.
  void ReserveForBits(uint64_t bits) {
    const size_t used = static_cast<size_t>(cursor_ - base_);
    const size_t need = used + static_cast<size_t>(pending_) + 2 * bits + 16;
    if (need > buffer_.size()) {
      buffer_.resize(std::max(need, 2 * buffer_.size()));
      base_ = buffer_.data();
      cursor_ = base_ + used;
    }
  }

  void Encode(uint32_t bit, uint32_t p16) {
    const uint32_t bound = (range_ >> kProbabilityBits) * p16;
    const uint32_t select = 0u - bit;  // all ones for a one
    low_ += bound & ~select;
    range_ = (bound & select) | ((range_ - bound) & ~select);
    while (range_ < kTopValue) {
      range_ <<= 8;
      ShiftLow();
    }
  }

  void Finish() {
    ReserveForBits(8);
    for (int i = 0; i < 5; ++i) ShiftLow();
    out_->insert(out_->end(), base_, cursor_);
  }

 private:
  void ShiftLow() {
    if (static_cast<uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
      const auto carry = static_cast<uint8_t>(low_ >> 32);
      uint8_t byte = cache_;
      do {
        *cursor_++ = static_cast<uint8_t>(byte + carry);
        byte = 0xFF;
      } while (--pending_ != 0);
      cache_ = static_cast<uint8_t>(low_ >> 24);
    }
    ++pending_;
    low_ = (low_ & 0x00FFFFFF) << 8;
  }

  std::vector<uint8_t>* out_;
  std::vector<uint8_t> buffer_;
  uint8_t* base_ = nullptr;
  uint8_t* cursor_ = nullptr;
  uint64_t low_ = 0;
  uint32_t range_ = 0xFFFFFFFFu;
  uint8_t cache_ = 0;
  uint64_t pending_ = 1;
};

class RangeDecoder {
 public:
  explicit RangeDecoder(absl::Span<const uint8_t> in)
      : cursor_(in.data()), end_(in.data() + in.size()) {
    // The encoder's first byte is always 0 (its cache starts empty), so a
    // payload with anything else there is not one it wrote.
    first_byte_ = NextByte();
    for (int i = 0; i < 4; ++i) code_ = (code_ << 8) | NextByte();
  }

  // kChecked = false when the caller has checked that enough bytes remain
  // (BytesLeft() >= 128 covers 64 bits: each takes at most 2 bytes).
  template <bool kChecked = true>
  uint32_t Decode(uint32_t p16) {
    const uint32_t bound = (range_ >> kProbabilityBits) * p16;
    const uint32_t bit = code_ < bound ? 1 : 0;
    const uint32_t select = 0u - bit;  // all ones for a one
    code_ -= bound & ~select;
    range_ = (bound & select) | ((range_ - bound) & ~select);
    while (range_ < kTopValue) {
      range_ <<= 8;
      code_ = (code_ << 8) | (kChecked ? NextByte() : *cursor_++);
    }
    return bit;
  }

  size_t BytesLeft() const { return static_cast<size_t>(end_ - cursor_); }

  // The encoder's flush makes a correct stream end with every byte read and
  // the code exhausted.
  absl::Status Finish() const {
    if (first_byte_ != 0) {
      return MakeError(ErrorCode::kCorruptPayload,
                       absl::StrCat("the range-coded stream starts with ",
                                    first_byte_, "; an encoder writes 0"));
    }
    if (overrun_) {
      return MakeError(ErrorCode::kCorruptPayload,
                       "the range-coded stream ran out of bytes");
    }
    if (cursor_ != end_) {
      return MakeError(ErrorCode::kCorruptPayload,
                       absl::StrCat("the range-coded stream has ",
                                    end_ - cursor_,
                                    " bytes left after its last bit"));
    }
    if (code_ != 0) {
      return MakeError(ErrorCode::kCorruptPayload,
                       "the range-coded stream does not end on its flush");
    }
    return absl::OkStatus();
  }

 private:
  uint32_t NextByte() {
    if (cursor_ == end_) {
      overrun_ = true;
      return 0;
    }
    return *cursor_++;
  }

  const uint8_t* cursor_;
  const uint8_t* end_;
  uint32_t code_ = 0;
  uint32_t range_ = 0xFFFFFFFFu;
  uint32_t first_byte_ = 0;
  bool overrun_ = false;
};

// How the `adaptive` coder's models code and learn: one rate schedule up
// to `max_rate`, models fresh in every payload.
struct SingleRate {
  using Model = AdaptiveBit;
  uint32_t max_rate;
  static uint32_t P16(const AdaptiveBit& model) { return model.P16(); }
  void Update(AdaptiveBit& model, uint32_t bit) const {
    model.Update(bit, max_rate);
  }
};

// The mixed models (MixedModels): both estimates follow AdaptiveBit's
// schedule, each up to its own rate, and code with their mean.
struct MixedRate {
  using Model = MixedBit;
  uint32_t fast_rate;
  uint32_t slow_rate;
  uint32_t seen_cap;  // MixedModels::SeenCap()

  static uint32_t P16(const MixedBit& model) {
    const uint32_t p16 = ((model.fast >> 1) + (model.slow >> 1)) >> 16;
    return p16 == 0 ? 1 : p16;
  }
  void Update(MixedBit& model, uint32_t bit) const {
    const auto learned =
        static_cast<uint32_t>(std::bit_width(model.seen + 1));
    model.fast = AdaptiveStep(model.fast, bit, std::min(fast_rate, learned));
    model.slow = AdaptiveStep(model.slow, bit, std::min(slow_rate, learned));
    if (model.seen < seen_cap) ++model.seen;
  }
};

// The per-bit loops. With one context the model lives in a local (and so
// in registers); with several, in `models`, indexed by the context (which
// has room for every byte value, so no context can index outside it).
template <typename Coding, bool kSingleContext>
void EncodeLoop(absl::Span<const uint64_t> bits, uint64_t bit_count,
                absl::Span<const uint8_t> contexts, const Coding& coding,
                typename Coding::Model* models, RangeEncoder& encoder) {
  typename Coding::Model single = models[0];
  // Raw pointers: Debian's Abseil checks every Span index.
  const uint8_t* const context = contexts.data();
  const uint64_t* const words = bits.data();
  for (uint64_t w = 0; w < BitWords(bit_count); ++w) {
    const uint64_t first = w * 64;
    const uint64_t end = std::min(bit_count, first + 64);
    encoder.ReserveForBits(end - first);
    const uint64_t word = words[w];
    for (uint64_t i = first; i < end; ++i) {
      auto& model = kSingleContext ? single : models[context[i]];
      const auto bit = static_cast<uint32_t>((word >> (i & 63)) & 1);
      encoder.Encode(bit, Coding::P16(model));
      coding.Update(model, bit);
    }
  }
  if (kSingleContext) models[0] = single;
}

template <typename Coding, bool kSingleContext>
void DecodeLoop(absl::Span<const uint8_t> contexts, uint64_t bit_count,
                const Coding& coding, typename Coding::Model* models,
                RangeDecoder& decoder_state, absl::Span<uint64_t> out) {
  // A local copy, so that the compiler keeps the coder in registers rather
  // than reloading it after every store to `out`.
  RangeDecoder decoder = decoder_state;
  typename Coding::Model single = models[0];
  const uint8_t* const context = contexts.data();  // raw: see EncodeLoop
  uint64_t* const words = out.data();
  for (uint64_t w = 0; w < BitWords(bit_count); ++w) {
    const uint64_t first = w * 64;
    const uint64_t end = std::min(bit_count, first + 64);
    uint64_t word = 0;
    // Bounds checks per word, not per byte, while the stream is long.
    if (decoder.BytesLeft() >= 128) {
      for (uint64_t i = first; i < end; ++i) {
        auto& model = kSingleContext ? single : models[context[i]];
        const uint32_t bit = decoder.template Decode<false>(Coding::P16(model));
        coding.Update(model, bit);
        word |= static_cast<uint64_t>(bit) << (i & 63);
      }
    } else {
      for (uint64_t i = first; i < end; ++i) {
        auto& model = kSingleContext ? single : models[context[i]];
        const uint32_t bit = decoder.Decode(Coding::P16(model));
        coding.Update(model, bit);
        word |= static_cast<uint64_t>(bit) << (i & 63);
      }
    }
    words[w] = word;
  }
  if (kSingleContext) models[0] = single;
  decoder_state = decoder;
}

MixedRate CodingOf(const MixedModels& models) {
  return {models.fast_rate, models.slow_rate, models.SeenCap()};
}

}  // namespace

void EncodeAdaptiveContextBits(absl::Span<const uint64_t> bits,
                               uint64_t bit_count,
                               absl::Span<const uint8_t> contexts,
                               uint32_t max_rate, std::vector<uint8_t>* out) {
  ByteWriter writer(out);
  writer.WriteU8(static_cast<uint8_t>(max_rate));
  RangeEncoder encoder(out);
  encoder.ReserveForBits(0);
  // Fresh models, one per possible context value.
  std::vector<AdaptiveBit> models(contexts.empty() ? 1 : kMaxContextCount);
  const SingleRate coding{max_rate};
  if (contexts.empty()) {
    EncodeLoop<SingleRate, true>(bits, bit_count, contexts, coding,
                                 models.data(), encoder);
  } else {
    EncodeLoop<SingleRate, false>(bits, bit_count, contexts, coding,
                                  models.data(), encoder);
  }
  encoder.Finish();
}

absl::Status DecodeAdaptiveContextBits(ByteReader& reader,
                                       absl::Span<const uint8_t> contexts,
                                       uint64_t bit_count,
                                       absl::Span<uint64_t> out) {
  uint8_t max_rate = 0;
  if (absl::Status s = reader.ReadU8("max_rate", &max_rate); !s.ok()) return s;
  if (max_rate < kMinAdaptiveRate || max_rate > kMaxAdaptiveRate) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("adaptive coder field `max_rate` is ",
                                  max_rate, "; it must be 1..20"));
  }
  absl::Span<const uint8_t> stream;
  reader.ReadBytes("range_coded_bits", reader.remaining(), &stream)
      .IgnoreError();
  RangeDecoder decoder(stream);
  std::vector<AdaptiveBit> models(contexts.empty() ? 1 : kMaxContextCount);
  const SingleRate coding{max_rate};
  if (contexts.empty()) {
    DecodeLoop<SingleRate, true>(contexts, bit_count, coding, models.data(),
                                 decoder, out);
  } else {
    DecodeLoop<SingleRate, false>(contexts, bit_count, coding, models.data(),
                                  decoder, out);
  }
  return decoder.Finish();
}

void MixedModels::Reset(uint8_t fast, uint8_t slow, uint8_t history) {
  fast_rate = fast;
  slow_rate = slow;
  history_bits = history;
  bits.fill(MixedBit{});
}

void EncodeMixedContextBits(absl::Span<const uint64_t> bits, uint64_t bit_count,
                            absl::Span<const uint8_t> contexts,
                            MixedModels& models, std::vector<uint8_t>* out) {
  assert(!models.empty() && contexts.size() == bit_count);
  RangeEncoder encoder(out);
  encoder.ReserveForBits(0);
  EncodeLoop<MixedRate, false>(bits, bit_count, contexts, CodingOf(models),
                               models.bits.data(), encoder);
  encoder.Finish();
}

absl::Status DecodeMixedContextBits(absl::Span<const uint8_t> stream,
                                    absl::Span<const uint8_t> contexts,
                                    uint64_t bit_count, MixedModels& models,
                                    absl::Span<uint64_t> out) {
  assert(!models.empty() && contexts.size() == bit_count &&
         out.size() >= BitWords(bit_count));
  RangeDecoder decoder(stream);
  DecodeLoop<MixedRate, false>(contexts, bit_count, CodingOf(models),
                               models.bits.data(), decoder, out);
  return decoder.Finish();
}

}  // namespace gradcodec::internal
