#include "codec/entropy/fast_context_coder.h"

#include <bit>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "codec/entropy/binary_models.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/entropy/context_split.h"
#include "codec/entropy/encoder_scratch.h"
#include "codec/entropy/frequency_table.h"
#include "codec/entropy/rans_stream.h"
#include "codec/entropy/run_symbols.h"
#include "format/bit_reader.h"
#include "format/bit_writer.h"
#include "format/byte_writer.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

// One context's bits: `count` bits in `words`.
struct BitRun {
  const uint64_t* words;
  uint64_t count;
};

// Mask of the valid bits of word `w` of a `count`-bit vector.
uint64_t ValidMask(uint64_t w, uint64_t count) {
  const uint64_t end = count - w * 64;
  return end >= 64 ? ~uint64_t{0} : (uint64_t{1} << end) - 1;
}

bool IsInverted(ContextMode mode) {
  return mode == ContextMode::kRunsInverted ||
         mode == ContextMode::kBytesInverted;
}
bool IsRuns(ContextMode mode) {
  return mode == ContextMode::kRuns || mode == ContextMode::kRunsInverted;
}
bool IsBytes(ContextMode mode) {
  return mode == ContextMode::kBytes || mode == ContextMode::kBytesInverted;
}

// Writes the inverted bits of `run` as ceil(count / 8) bytes.
uint8_t* WriteInvertedByteSymbols(const BitRun& run, uint8_t* out) {
  const uint64_t byte_count = (run.count + 7) / 8;
  const auto* in = reinterpret_cast<const uint8_t*>(run.words);  // LE words
  for (uint64_t b = 0; b < byte_count; ++b) out[b] = ~in[b];
  if ((run.count & 7) != 0) {
    out[byte_count - 1] &= static_cast<uint8_t>((1u << (run.count & 7)) - 1);
  }
  return out + byte_count;
}

FrequencyTable ModelTable(const ContextModel& model) {
  return IsRuns(model.mode) ? RunLengthTable(model.p16, model.max_run)
                            : ByteGroupTable(model.p16);
}

// Checks the padding bits after `count` bits of byte-coded output.
absl::Status CheckBytePadding(uint64_t count, const uint64_t* words) {
  const uint64_t last = BitWords(count) - 1;
  if (count != 0 && (words[last] & ~ValidMask(last, count)) != 0) {
    return MakeError(ErrorCode::kCorruptPayload,
                     "padding bits of a byte-coded context are not zero");
  }
  return absl::OkStatus();
}

void Invert(uint64_t count, uint64_t* words) {
  for (uint64_t w = 0; w < BitWords(count); ++w) {
    words[w] = ~words[w] & ValidMask(w, count);
  }
}

absl::Status ReadStoredBits(BitReader& reader, uint64_t count,
                            uint64_t* words) {
  for (uint64_t w = 0; w < BitWords(count); ++w) {
    const uint64_t bits = std::min<uint64_t>(64, count - w * 64);
    uint64_t word = reader.Read(static_cast<int>(std::min<uint64_t>(bits, 32)));
    if (bits > 32) word |= reader.Read(static_cast<int>(bits - 32)) << 32;
    words[w] = word;
  }
  if (reader.overrun()) {
    return MakeError(ErrorCode::kTruncated,
                     "the stored bits of the fast context coder end early");
  }
  return absl::OkStatus();
}

}  // namespace

void EncodeFastContextBits(absl::Span<const uint64_t> bits, uint64_t bit_count,
                           absl::Span<const uint8_t> contexts,
                           uint32_t context_count, std::vector<uint8_t>* out,
                           const uint8_t* group_of) {
  EncoderScratch& scratch = ThreadEncoderScratch();
  // Each context's bits as a run of words: the input itself for a single
  // context, else gathered per context.
  std::vector<BitRun> runs(context_count);
  if (context_count == 1) {
    runs[0] = {bits.data(), bit_count};
  } else {
    // The split counts the contexts as it goes (its offsets end at the
    // counts): no pass over the context bytes of its own.
    GrowingContextBitVectors& split = scratch.split;
    if (group_of != nullptr) {
      SplitByContextGroups(bits.data(), contexts, group_of, context_count,
                           split);
    } else {
      SplitByContext(bits.data(), contexts, context_count, split);
    }
    for (uint32_t c = 0; c < context_count; ++c) {
      runs[c] = {split.words(c), split.count(c)};
    }
  }

  ByteWriter writer(out);
  for (const BitRun& run : runs) writer.WriteVarint(run.count);

  // Models first, so that the symbol buffer can be sized exactly.
  std::vector<ContextModel> models(context_count);
  std::vector<BitSummary> summaries(context_count);
  std::vector<uint64_t> ones(context_count, 0);
  uint64_t capacity = 0;
  for (uint32_t c = 0; c < context_count; ++c) {
    if (runs[c].count == 0) continue;
    SummarizeBits(runs[c].words, runs[c].count, &summaries[c]);
    ones[c] = summaries[c].ones;
    models[c] = ChooseContextModel(runs[c].count, ones[c]);
    if (IsRuns(models[c].mode)) {
      const uint64_t minority = IsInverted(models[c].mode)
                                    ? runs[c].count - ones[c]
                                    : ones[c];
      capacity += MaxRunSymbols(runs[c].count, minority, models[c].max_run);
    } else if (models[c].mode == ContextMode::kBytesInverted) {
      capacity += (runs[c].count + 7) / 8;
    }
  }
  // Each context's rANS symbols: written to the thread's scratch, except
  // the bytes of a kBytes context, which are its bits as they lie
  // (little-endian words).
  std::vector<absl::Span<const uint8_t>> symbols(context_count);
  uint8_t* cursor = scratch.run_symbols.Get(capacity + kRunSymbolSlack).data();
  for (uint32_t c = 0; c < context_count; ++c) {
    if (runs[c].count == 0) continue;
    const ContextModel& model = models[c];
    writer.WriteU8(static_cast<uint8_t>(model.mode));
    if (IsRuns(model.mode) || IsBytes(model.mode)) {
      writer.WriteU16(static_cast<uint16_t>(model.p16 - 1));
    }
    if (IsRuns(model.mode)) {
      const bool invert = IsInverted(model.mode);
      uint8_t* end = WriteRunSymbols(
          runs[c].words, runs[c].count, invert,
          invert ? runs[c].count - ones[c] : ones[c], model.max_run,
          summaries[c].one_positions(), cursor);
      writer.WriteU8(static_cast<uint8_t>(model.max_run));
      writer.WriteVarint(static_cast<uint64_t>(end - cursor));
      symbols[c] = absl::MakeConstSpan(cursor, end);
      cursor = end;
    } else if (model.mode == ContextMode::kBytes) {
      symbols[c] = absl::MakeConstSpan(
          reinterpret_cast<const uint8_t*>(runs[c].words),
          (runs[c].count + 7) / 8);
    } else if (model.mode == ContextMode::kBytesInverted) {
      uint8_t* end = WriteInvertedByteSymbols(runs[c], cursor);
      symbols[c] = absl::MakeConstSpan(cursor, end);
      cursor = end;
    }
  }
  uint64_t symbol_count = 0;
  for (const auto& span : symbols) symbol_count += span.size();

  // One interleaved rANS stream for every coded context, in context order;
  // encoded backwards, then appended to `out` after its length without an
  // intermediate copy.
  if (symbol_count == 0) {
    writer.WriteVarint(0);
  } else {
    // Only the contexts that go into the rANS stream: stored ones do not
    // make it any longer.
    double expected_bits = 0;
    for (const ContextModel& model : models) {
      if (IsRuns(model.mode) || IsBytes(model.mode)) {
        expected_bits += model.expected_bits;
      }
    }
    RansStreamEncoder encoder(
        scratch.rans_words.Get(RansStreamEncoder::BufferSize(symbol_count)),
        RansLanesFor(symbol_count, expected_bits / 8));
    auto table = std::make_unique<RansEncodeTable>();
    uint64_t end = symbol_count;
    for (uint32_t c = context_count; c-- > 0;) {
      if (symbols[c].empty()) continue;
      end -= symbols[c].size();
      BuildEncodeTable(ModelTable(models[c]), table.get());
      encoder.PutAll(end, symbols[c], *table);
    }
    writer.WriteVarint(encoder.FinishedSize());
    encoder.Finish(out);
  }

  BitWriter stored(out);
  for (uint32_t c = 0; c < context_count; ++c) {
    if (runs[c].count != 0 && models[c].mode == ContextMode::kStored) {
      stored.WriteBits(runs[c].words, runs[c].count);
    }
  }
  stored.Finish();
}

namespace {

// Decodes with the contexts as bytes, or as planes when `planes` is set
// (the merge then tells `on_merged` of the words it finishes).
absl::Status DecodeFast(ByteReader& reader, absl::Span<const uint8_t> contexts,
                        const ContextPlanes* planes, uint32_t context_count,
                        uint64_t bit_count, absl::Span<uint64_t> out,
                        MergedWords on_merged) {
  std::vector<uint64_t> counts(context_count);
  uint64_t total = 0;
  for (uint64_t& count : counts) {
    if (absl::Status s = reader.ReadVarintAtMost("context_bit_count",
                                                 bit_count, &count);
        !s.ok()) {
      return s;
    }
    total += count;
  }
  if (total != bit_count) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("fast context coder bit counts sum to ",
                                  total, "; the stream holds ", bit_count,
                                  " bits"));
  }
  std::vector<ContextModel> models(context_count);
  for (uint32_t c = 0; c < context_count; ++c) {
    if (counts[c] == 0) continue;
    uint8_t mode = 0;
    if (absl::Status s = reader.ReadU8("context_mode", &mode); !s.ok()) {
      return s;
    }
    if (mode > static_cast<uint8_t>(ContextMode::kBytesInverted)) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("context ", c, ": field `context_mode` is ",
                                    mode, "; it must be 0..6"));
    }
    ContextModel& model = models[c];
    model.mode = static_cast<ContextMode>(mode);
    if (IsRuns(model.mode) || IsBytes(model.mode)) {
      uint16_t p = 0;
      if (absl::Status s = reader.ReadU16("model_p", &p); !s.ok()) return s;
      model.p16 = uint32_t{p} + 1;
      if (model.p16 > kMaxModelP16) {
        return MakeError(ErrorCode::kCorruptPayload,
                         absl::StrCat("context ", c, ": field `model_p` is ",
                                      p, "; it must be at most 32767"));
      }
    }
    if (IsRuns(model.mode)) {
      uint8_t max_run = 0;
      if (absl::Status s = reader.ReadU8("max_run", &max_run); !s.ok()) {
        return s;
      }
      if (max_run == 0) {
        return MakeError(ErrorCode::kCorruptPayload,
                         absl::StrCat("context ", c,
                                      ": field `max_run` is 0; it must be "
                                      "1..255"));
      }
      model.max_run = max_run;
      // Each phrase covers at least one bit, plus the terminating one.
      if (absl::Status s = reader.ReadVarintAtMost(
              "run_symbol_count", counts[c] + 1, &model.symbol_count);
          !s.ok()) {
        return s;
      }
    } else if (IsBytes(model.mode)) {
      model.symbol_count = (counts[c] + 7) / 8;
    }
  }
  absl::Span<const uint8_t> stream;
  if (absl::Status s = reader.ReadLengthPrefixed("rans_stream_size",
                                                 ~uint64_t{0}, &stream);
      !s.ok()) {
    return s;
  }

  // The per-context vectors and run symbols, kept per thread: megabytes
  // allocated afresh for every packet came back as page faults (a few
  // percent of a signxor delta's decode).
  thread_local ContextBitVectors split;
  thread_local std::vector<uint8_t> symbols;
  std::vector<uint64_t*> targets(context_count);
  if (context_count == 1) {
    std::fill(out.begin(), out.end(), 0);
    targets[0] = out.data();
  } else {
    split.Reset(counts);
    for (uint32_t c = 0; c < context_count; ++c) targets[c] = split.words(c);
  }

  bool any_coded = false;
  for (const ContextModel& model : models) {
    any_coded |= IsRuns(model.mode) || IsBytes(model.mode);
  }
  if (any_coded != !stream.empty()) {
    return MakeError(ErrorCode::kCorruptPayload,
                     "the rANS stream's presence does not match the context "
                     "modes");
  }
  if (any_coded) {
    RansStreamDecoder decoder;
    if (absl::Status s = decoder.Init(stream); !s.ok()) return s;
    auto table = std::make_unique<RansDecodeTable>();
    size_t index = 0;
    for (uint32_t c = 0; c < context_count; ++c) {
      const ContextModel& model = models[c];
      if (counts[c] == 0 || !(IsRuns(model.mode) || IsBytes(model.mode))) {
        continue;
      }
      BuildDecodeTable(ModelTable(model), table.get());
      if (IsBytes(model.mode)) {
        // Byte symbols are the context's bits: decode them in place.
        decoder.GetAll(index,
                       absl::MakeSpan(reinterpret_cast<uint8_t*>(targets[c]),
                                      model.symbol_count),
                       *table);
        if (absl::Status s = CheckBytePadding(counts[c], targets[c]); !s.ok()) {
          return s;
        }
        if (IsInverted(model.mode)) Invert(counts[c], targets[c]);
      } else {
        symbols.resize(model.symbol_count);
        decoder.GetAll(index, absl::MakeSpan(symbols), *table);
        if (absl::Status s = ExpandRunSymbols(symbols, model.max_run, counts[c],
                                        targets[c]);
            !s.ok()) {
          return s;
        }
        if (IsInverted(model.mode)) Invert(counts[c], targets[c]);
      }
      index += model.symbol_count;
    }
    if (absl::Status s = decoder.Finish(); !s.ok()) return s;
  }

  absl::Span<const uint8_t> raw;
  reader.ReadBytes("stored_bits", reader.remaining(), &raw).IgnoreError();
  BitReader stored(raw);
  for (uint32_t c = 0; c < context_count; ++c) {
    if (counts[c] == 0) continue;
    switch (models[c].mode) {
      case ContextMode::kStored:
        if (absl::Status s = ReadStoredBits(stored, counts[c], targets[c]);
            !s.ok()) {
          return s;
        }
        break;
      case ContextMode::kAllOne:
        Invert(counts[c], targets[c]);  // zeros -> ones
        break;
      default:
        break;
    }
  }
  // The stored bits end in the payload's last byte, padded with zeros.
  if (stored.remaining_bits() >= 8) {
    return MakeError(ErrorCode::kTrailingBytes,
                     absl::StrCat(stored.remaining_bits() / 8,
                                  " bytes follow the fast context coder's "
                                  "stored bits"));
  }
  if (stored.Read(static_cast<int>(stored.remaining_bits())) != 0) {
    return MakeError(ErrorCode::kCorruptPayload,
                     "padding bits after the fast context coder's stored "
                     "bits are not zero");
  }
  if (context_count == 1) return absl::OkStatus();
  return planes != nullptr
             ? MergeByContextPlanes(split, *planes, out.data(), on_merged)
             : MergeByContext(split, contexts, out.data());
}

}  // namespace

absl::Status DecodeFastContextBits(ByteReader& reader,
                                   absl::Span<const uint8_t> contexts,
                                   uint32_t context_count, uint64_t bit_count,
                                   absl::Span<uint64_t> out) {
  return DecodeFast(reader, contexts, nullptr, context_count, bit_count, out,
                    [](uint64_t, uint64_t) {});
}

absl::Status DecodeFastContextBitsByPlanes(ByteReader& reader,
                                           const ContextPlanes& planes,
                                           uint32_t context_count,
                                           absl::Span<uint64_t> out,
                                           MergedWords on_merged) {
  return DecodeFast(reader, {}, &planes, context_count, planes.count, out,
                    on_merged);
}

}  // namespace gradcodec::internal
