#include "codec/entropy/context_split.h"

#include "absl/strings/str_cat.h"
#include "codec/entropy/context_bit_coder.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {

ContextBitVectors::ContextBitVectors(absl::Span<const uint64_t> counts)
    : counts_(counts.begin(), counts.end()), offsets_(counts.size()) {
  uint64_t total = 0;
  for (size_t c = 0; c < counts.size(); ++c) {
    offsets_[c] = total;
    total += BitWords(counts[c]);
  }
  storage_.assign(total, 0);
}

std::vector<uint64_t> CountContexts(absl::Span<const uint8_t> contexts,
                                    uint32_t context_count) {
  // Four tables so that runs of one context do not serialise on one counter.
  std::vector<uint64_t> counts(4 * kMaxContextCount, 0);
  const size_t n = contexts.size();
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    ++counts[contexts[i]];
    ++counts[kMaxContextCount + contexts[i + 1]];
    ++counts[2 * kMaxContextCount + contexts[i + 2]];
    ++counts[3 * kMaxContextCount + contexts[i + 3]];
  }
  for (; i < n; ++i) ++counts[contexts[i]];
  std::vector<uint64_t> result(context_count);
  for (uint32_t c = 0; c < context_count; ++c) {
    result[c] = counts[c] + counts[kMaxContextCount + c] +
                counts[2 * kMaxContextCount + c] +
                counts[3 * kMaxContextCount + c];
  }
  return result;
}

void SplitByContext(const uint64_t* bits, absl::Span<const uint8_t> contexts,
                    ContextBitVectors& vectors) {
  struct Sink {
    uint64_t* out;
    uint64_t accumulator;
    uint32_t filled;
  };
  std::vector<Sink> sinks(vectors.context_count());
  for (uint32_t c = 0; c < vectors.context_count(); ++c) {
    sinks[c] = {vectors.words(c), 0, 0};
  }
  const size_t n = contexts.size();
  for (size_t i = 0; i < n; ++i) {
    Sink& sink = sinks[contexts[i]];
    sink.accumulator |= ((bits[i >> 6] >> (i & 63)) & 1) << sink.filled;
    if (++sink.filled == 64) {
      *sink.out++ = sink.accumulator;
      sink.accumulator = 0;
      sink.filled = 0;
    }
  }
  for (Sink& sink : sinks) {
    if (sink.filled != 0) *sink.out = sink.accumulator;
  }
}

absl::Status MergeByContext(const ContextBitVectors& vectors,
                            absl::Span<const uint8_t> contexts, uint64_t* out) {
  struct Source {
    const uint64_t* in;
    uint64_t remaining;  // bits left in this context's vector
    uint64_t buffer;
    uint32_t available;
  };
  std::vector<Source> sources(vectors.context_count());
  for (uint32_t c = 0; c < vectors.context_count(); ++c) {
    sources[c] = {vectors.words(c), vectors.count(c), 0, 0};
  }
  const size_t n = contexts.size();
  uint64_t word = 0;
  for (size_t i = 0; i < n; ++i) {
    Source& source = sources[contexts[i]];
    if (source.available == 0) {
      if (source.remaining == 0) {
        return MakeError(ErrorCode::kCorruptPayload,
                         absl::StrCat("context ", contexts[i],
                                      " has fewer bits than the contexts "
                                      "use"));
      }
      source.buffer = *source.in++;
      source.available = 64;
    }
    word |= (source.buffer & 1) << (i & 63);
    source.buffer >>= 1;
    --source.available;
    --source.remaining;
    if ((i & 63) == 63) {
      out[i >> 6] = word;
      word = 0;
    }
  }
  if ((n & 63) != 0) out[n >> 6] = word;
  for (uint32_t c = 0; c < vectors.context_count(); ++c) {
    if (sources[c].remaining != 0) {
      return MakeError(ErrorCode::kCorruptPayload,
                       absl::StrCat("context ", c, " has ",
                                    sources[c].remaining,
                                    " bits more than the contexts use"));
    }
  }
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
