#include "codec/entropy/run_symbols.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "codec/entropy/cpu_features.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

// Writes the phrases for `length` zeros then a one: length / max_run
// escapes, then the remainder. Escapes go out eight bytes at a time, so a
// phrase costs one or two stores and no branch that depends on the data
// (but for gaps of over 8 * max_run zeros).
class PhraseWriter {
 public:
  explicit PhraseWriter(uint32_t max_run)
      : max_run_(max_run),
        // floor(length / max_run) = (length * magic) >> 40, exact for
        // length < 2^24 (the product stays below 2^64, and the rounding
        // error below 1 / max_run).
        magic_(((uint64_t{1} << 40) + max_run - 1) / max_run),
        escapes_(0x0101010101010101ull * max_run) {}

  uint8_t* Write(uint64_t length, uint8_t* out) const {
    const uint64_t escapes = length < (uint64_t{1} << 24)
                                 ? (length * magic_) >> 40
                                 : length / max_run_;
    uint8_t* p = out;
    do {
      std::memcpy(p, &escapes_, 8);
      p += 8;
    } while (p < out + escapes);
    out[escapes] = static_cast<uint8_t>(length - escapes * max_run_);
    return out + escapes + 1;
  }

  // Writes the escapes of a gap of `length` zeros and returns how many
  // zeros they cover, leaving a gap below max_run.
  uint64_t WriteEscapes(uint64_t length, uint8_t*& out) const {
    const uint64_t escapes = length / max_run_;
    for (uint64_t k = 0; k < escapes; ++k) *out++ = static_cast<uint8_t>(max_run_);
    return escapes * max_run_;
  }

  uint64_t max_run() const { return max_run_; }

 private:
  uint64_t max_run_;
  uint64_t magic_;
  uint64_t escapes_;
};

// Bit index of the lowest one of a non-zero word, and of the highest.
inline uint64_t LowestOne(uint64_t word) {
  return static_cast<uint64_t>(__builtin_ctzll(word));
}
inline uint64_t HighestOne(uint64_t word) {
  return 63 - static_cast<uint64_t>(__builtin_clzll(word));
}

// Phrases of every one of `word` (bits base .. base + 63 of the stream),
// kRound ones per round with no branch on the data: a round extracts
// kRound positions whether or not they exist (writing placeholders past the
// phrases it keeps) and keeps as many as there are, so the only branches
// are the round count, which follows the density, and gaps of max_run
// zeros or more, which are rare whenever this path is taken (only a word's
// first one can end one, since later gaps are below 64 <= max_run).
template <int kRound>
__attribute__((always_inline)) inline uint8_t* WriteWordPhrases(uint64_t word, uint64_t base, uint64_t& position,
                          const PhraseWriter& writer, uint8_t* out) {
  constexpr uint64_t kTop = uint64_t{1} << 63;  // placeholder 63, no zero test
  const uint64_t first = base + LowestOne(word | kTop);
  if (word != 0 && first - position >= writer.max_run()) [[unlikely]] {
    position += writer.WriteEscapes(first - position, out);
  }
  // Bit index (from base) of the previous one; negative when it lies in an
  // earlier word.
  auto previous = static_cast<int64_t>(position - base) - 1;
  uint64_t rest = word;
  while (true) {
    const int ones = std::popcount(rest);
#pragma GCC unroll 16
    for (int i = 0; i < kRound; ++i) {
      const auto one = static_cast<int64_t>(LowestOne(rest | kTop));
      out[i] = static_cast<uint8_t>(one - previous - 1);
      previous = one;
      rest &= rest - 1;
    }
    out += ones < kRound ? ones : kRound;
    if (rest == 0) break;
  }
  position = word != 0 ? base + HighestOne(word | 1) + 1 : position;
  return out;
}

template <int kRound>
__attribute__((always_inline)) inline uint8_t* WriteDensePhrases(
    const uint64_t* words, uint64_t count, uint64_t flip,
    const PhraseWriter& writer_in, uint64_t& position_in, uint8_t* out) {
  // Locals: stores through `out` (bytes, which may alias anything) would
  // otherwise make the compiler keep the position and the writer in memory,
  // putting a store-to-load round trip on the loop-carried chain.
  const PhraseWriter writer = writer_in;
  uint64_t position = position_in;
  const uint64_t whole = count / 64;
  for (uint64_t w = 0; w < whole; ++w) {
    out = WriteWordPhrases<kRound>(words[w] ^ flip, w * 64, position, writer,
                                   out);
  }
  if (count % 64 != 0) {
    const uint64_t last =
        (words[whole] ^ flip) & ((uint64_t{1} << (count % 64)) - 1);
    out = WriteWordPhrases<kRound>(last, whole * 64, position, writer, out);
  }
  position_in = position;
  return out;
}

// Offsets (0..7) of the set bits of each 8-bit mask, in ascending order.
constexpr std::array<uint64_t, 256> MakeOffsetTable() {
  std::array<uint64_t, 256> table{};
  for (int mask = 0; mask < 256; ++mask) {
    int n = 0;
    for (int bit = 0; bit < 8; ++bit) {
      if ((mask >> bit & 1) != 0) {
        table[mask] |= static_cast<uint64_t>(bit) << (8 * n++);
      }
    }
  }
  return table;
}
constexpr std::array<uint64_t, 256> kSetBitOffsets = MakeOffsetTable();

// A mask of which of words[0..8) are not `flip` (are not empty once
// flipped), with SSE4.1 compares (in the x86-64-v2 baseline) or portably.
inline unsigned NonEmptyMask8(const uint64_t* words, uint64_t flip) {
#if defined(__SSE4_1__)
  const __m128i all = _mm_set1_epi64x(static_cast<long long>(flip));
  auto empty_pair = [&](int k) {
    const __m128i pair =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(words + 2 * k));
    return static_cast<unsigned>(
        _mm_movemask_pd(_mm_castsi128_pd(_mm_cmpeq_epi64(pair, all))));
  };
  const unsigned empty = empty_pair(0) | empty_pair(1) << 2 |
                         empty_pair(2) << 4 | empty_pair(3) << 6;
  return ~empty & 0xFF;
#else
  unsigned mask = 0;
  for (int k = 0; k < 8; ++k) mask |= (words[k] != flip ? 1u : 0u) << k;
  return mask;
#endif
}

// The phrases of one non-empty word `word` (word index `at`): its first
// one's through PhraseWriter (branch-free up to 8 escapes), the rest two per
// round.
__attribute__((always_inline)) inline uint8_t* WriteNonEmptyWord(
    uint64_t word, uint64_t at, const PhraseWriter& writer,
    uint64_t& position, uint8_t* out) {
  constexpr uint64_t kTop = uint64_t{1} << 63;
  const uint64_t base = at * 64;
  const uint64_t first = LowestOne(word);
  out = writer.Write(base + first - position, out);
  auto previous = static_cast<int64_t>(first);
  position = base + HighestOne(word) + 1;
  word &= word - 1;
  if (writer.max_run() < 64) {
    for (; word != 0; word &= word - 1) {
      const auto one = static_cast<int64_t>(LowestOne(word));
      out = writer.Write(static_cast<uint64_t>(one - previous - 1), out);
      previous = one;
    }
    return out;
  }
  while (word != 0) {
    const int ones = std::popcount(word);
    for (int k = 0; k < 2; ++k) {
      const auto one = static_cast<int64_t>(LowestOne(word | kTop));
      out[k] = static_cast<uint8_t>(one - previous - 1);
      previous = one;
      word &= word - 1;
    }
    out += ones < 2 ? ones : 2;
  }
  return out;
}

// The last word of a `count`-bit vector with its bits past `count` cleared.
inline uint64_t MaskedWord(const uint64_t* words, uint64_t w, uint64_t count,
                           uint64_t flip) {
  const uint64_t word = words[w] ^ flip;
  return w + 1 == (count + 63) / 64 && count % 64 != 0
             ? word & ((uint64_t{1} << (count % 64)) - 1)
             : word;
}

// Stores base + each of the eight byte offsets in `offsets` as eight u32.
inline void StoreIndices8(uint64_t offsets, uint32_t base, uint32_t* out) {
#if defined(__SSE4_1__)
  const __m128i bytes = _mm_cvtsi64_si128(static_cast<long long>(offsets));
  const __m128i add = _mm_set1_epi32(static_cast<int>(base));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                   _mm_add_epi32(_mm_cvtepu8_epi32(bytes), add));
  _mm_storeu_si128(
      reinterpret_cast<__m128i*>(out + 4),
      _mm_add_epi32(_mm_cvtepu8_epi32(_mm_srli_si128(bytes, 4)), add));
#else
  for (int k = 0; k < 8; ++k) {
    out[k] = base + static_cast<uint32_t>(offsets & 0xFF);
    offsets >>= 8;
  }
#endif
}

// For sparse streams: first lists the non-empty words of a chunk, eight at a
// time without branching (a table gives the offsets of a mask's set bits),
// then writes the phrases of each listed word.
__attribute__((always_inline)) inline uint8_t* WriteSparsePhrases(
    const uint64_t* words, uint64_t count, uint64_t flip,
    const PhraseWriter& writer_in, uint64_t& position_in, uint8_t* out) {
  const PhraseWriter writer = writer_in;  // locals: see WriteDensePhrases
  uint64_t position = position_in;
  constexpr uint64_t kChunk = 256;  // offsets fit a byte
  uint8_t listed[kChunk + 8];
  const uint64_t word_count = (count + 63) / 64;
  for (uint64_t chunk = 0; chunk < word_count; chunk += kChunk) {
    const uint64_t end = std::min(word_count, chunk + kChunk);
    size_t n = 0;
    uint64_t w = chunk;
    for (; w + 8 <= end; w += 8) {
      const unsigned mask = NonEmptyMask8(words + w, flip);
      const uint64_t offsets =
          kSetBitOffsets[mask] + 0x0101010101010101ull * (w - chunk);
      std::memcpy(listed + n, &offsets, 8);
      n += static_cast<size_t>(std::popcount(mask));
    }
    for (; w < end; ++w) {
      listed[n] = static_cast<uint8_t>(w - chunk);
      n += (words[w] ^ flip) != 0 ? 1 : 0;
    }
    for (size_t i = 0; i < n; ++i) {
      const uint64_t at = chunk + listed[i];
      const uint64_t word = MaskedWord(words, at, count, flip);
      if (word == 0) continue;  // only the masked last word
      out = WriteNonEmptyWord(word, at, writer, position, out);
    }
  }
  position_in = position;
  return out;
}

// The same from a list of the non-empty words made by SummarizeBits.
__attribute__((always_inline)) inline uint8_t* WriteListedPhrases(
    const uint64_t* words, uint64_t count, const uint32_t* listed, size_t n,
    const PhraseWriter& writer_in, uint64_t& position_in, uint8_t* out) {
  const PhraseWriter writer = writer_in;  // locals: see WriteDensePhrases
  uint64_t position = position_in;
  for (size_t i = 0; i < n; ++i) {
    // The listed words are far apart: fetch ahead of the loop.
    if (i + 16 < n) __builtin_prefetch(words + listed[i + 16]);
    const uint64_t word = MaskedWord(words, listed[i], count, 0);
    if (word == 0) continue;  // only the masked last word
    out = WriteNonEmptyWord(word, listed[i], writer, position, out);
  }
  position_in = position;
  return out;
}

// Picks the loop for the density (ones per word, in quarters).
__attribute__((always_inline)) inline uint8_t* WritePhrases(
    const uint64_t* words, uint64_t count, uint64_t flip, uint64_t density,
    absl::Span<const uint32_t> listed, const PhraseWriter& writer,
    uint64_t& position, uint8_t* out) {
  if (writer.max_run() < 64 || density < 6) {
    if (flip == 0 && !listed.empty()) {
      return WriteListedPhrases(words, count, listed.data(), listed.size(),
                                writer, position, out);
    }
    return WriteSparsePhrases(words, count, flip, writer, position, out);
  }
  if (density < 32) {
    return WriteDensePhrases<8>(words, count, flip, writer, position, out);
  }
  return WriteDensePhrases<16>(words, count, flip, writer, position, out);
}

uint8_t* WritePhrasesPortable(const uint64_t* words, uint64_t count,
                              uint64_t flip, uint64_t density,
                              absl::Span<const uint32_t> listed,
                              const PhraseWriter& writer, uint64_t& position,
                              uint8_t* out) {
  return WritePhrases(words, count, flip, density, listed, writer, position,
                      out);
}

#if defined(__x86_64__)
// The same code where BMI1 makes "clear the lowest one" a single
// instruction: that step is the loop-carried chain of position extraction.
__attribute__((target("bmi,bmi2,popcnt"))) uint8_t* WritePhrasesBmi(
    const uint64_t* words, uint64_t count, uint64_t flip, uint64_t density,
    absl::Span<const uint32_t> listed, const PhraseWriter& writer,
    uint64_t& position, uint8_t* out) {
  return WritePhrases(words, count, flip, density, listed, writer, position,
                      out);
}
#endif

}  // namespace

namespace {

uint64_t CountOnes(const uint64_t* words, uint64_t begin, uint64_t end) {
  uint64_t sum0 = 0, sum1 = 0;
  uint64_t w = begin;
  for (; w + 2 <= end; w += 2) {
    sum0 += static_cast<uint64_t>(std::popcount(words[w]));
    sum1 += static_cast<uint64_t>(std::popcount(words[w + 1]));
  }
  if (w < end) sum0 += static_cast<uint64_t>(std::popcount(words[w]));
  return sum0 + sum1;
}

}  // namespace

void SummarizeBits(const uint64_t* words, uint64_t count,
                   BitSummary* summary) {
  const uint64_t word_count = (count + 63) / 64;
  // Listing stops (and the list is dropped) past this many non-empty words:
  // the sparse loop is only taken below 1.5 ones a word.
  const uint64_t max_listed =
      word_count < (uint64_t{1} << 32) ? word_count / 8 * 5 : 0;
  summary->words.reset(new uint32_t[max_listed + 8]);
  uint32_t* const listed = summary->words.get();
  uint64_t n = 0;
  uint64_t w = 0;
  // List without counting (the ones are counted in the listed words after):
  // stop once more than 5/8 of the words so far are non-empty (with some
  // slack for an uneven start), and count everything instead.
  for (; w + 8 <= word_count && n <= max_listed && n <= w * 5 / 8 + 1024;
       w += 8) {
    const unsigned mask = NonEmptyMask8(words + w, 0);
    StoreIndices8(kSetBitOffsets[mask], static_cast<uint32_t>(w), listed + n);
    n += static_cast<uint64_t>(std::popcount(mask));
  }
  if (w + 8 <= word_count || n > max_listed) {
    // Bits past `count` are zero (the input contract): whole words count.
    summary->ones = CountOnes(words, 0, word_count);
    summary->listed = 0;
    return;
  }
  for (; w < word_count; ++w) {
    listed[n] = static_cast<uint32_t>(w);
    n += words[w] != 0 ? 1 : 0;
  }
  uint64_t ones = 0;
  for (uint64_t i = 0; i < n; ++i) {
    ones += static_cast<uint64_t>(std::popcount(words[listed[i]]));
  }
  summary->ones = ones;
  summary->listed = static_cast<size_t>(n);
}

uint8_t* WriteRunSymbols(const uint64_t* words, uint64_t count, bool invert,
                         uint64_t one_count, uint32_t max_run,
                         absl::Span<const uint32_t> nonempty_words,
                         uint8_t* out) {
  const uint64_t flip = invert ? ~uint64_t{0} : 0;
  const PhraseWriter writer(max_run);
  uint64_t position = 0;
  const uint64_t density = count == 0 ? 0 : one_count * 256 / count;
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) {
    out = WritePhrasesBmi(words, count, flip, density, nonempty_words, writer,
                          position, out);
  } else {
    out = WritePhrasesPortable(words, count, flip, density, nonempty_words,
                               writer, position, out);
  }
#else
  out = WritePhrasesPortable(words, count, flip, density, nonempty_words,
                             writer, position, out);
#endif
  return writer.Write(count - position, out);
}

absl::Status ExpandRunSymbols(absl::Span<const uint8_t> symbols,
                              uint32_t max_run, uint64_t count,
                              uint64_t* words) {
  uint64_t position = 0;
  const uint8_t* const in = symbols.data();  // raw: Span indexing is checked
  for (size_t k = 0; k < symbols.size(); ++k) {
    const uint32_t symbol = in[k];
    position += symbol;
    if (symbol == max_run) continue;
    if (position >= count) {
      if (position == count && k + 1 == symbols.size()) {
        return absl::OkStatus();
      }
      break;
    }
    words[position >> 6] |= uint64_t{1} << (position & 63);
    ++position;
  }
  return MakeError(ErrorCode::kCorruptPayload,
                   absl::StrCat("run-length phrases do not end on bit ", count,
                                " of their context"));
}

}  // namespace gradcodec::internal
