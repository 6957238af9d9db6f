#include "codec/entropy/run_symbols.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
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

// Lists the offsets (from `chunk`, so they fit a byte) of the words in
// [chunk, end) that are not `flip`, eight at a time without branching (a
// table gives the offsets of a mask's set bits); `mask8` is
// NonEmptyMask8 for that flip, as fast as the CPU allows. `listed` holds
// end - chunk + 8 bytes. Returns how many it listed.
template <typename Mask8>
__attribute__((always_inline)) inline size_t ListNonEmptyWords(
    const uint64_t* words, uint64_t chunk, uint64_t end, uint64_t flip,
    Mask8 mask8, uint8_t* listed) {
  size_t n = 0;
  uint64_t w = chunk;
  for (; w + 8 <= end; w += 8) {
    // 4 KiB ahead: on a loaded machine the hardware prefetcher alone
    // leaves this loop waiting on memory (measured: -25% of its time).
    __builtin_prefetch(words + w + 512);
    const unsigned mask = mask8(words + w);
    const uint64_t offsets =
        kSetBitOffsets[mask] + 0x0101010101010101ull * (w - chunk);
    std::memcpy(listed + n, &offsets, 8);
    n += static_cast<size_t>(std::popcount(mask));
  }
  for (; w < end; ++w) {
    listed[n] = static_cast<uint8_t>(w - chunk);
    n += words[w] != flip ? 1 : 0;
  }
  return n;
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

// For sparse streams: first lists the non-empty words of a chunk
// (ListNonEmptyWords), then writes the phrases of each listed word.
__attribute__((always_inline)) inline uint8_t* WriteSparsePhrases(
    const uint64_t* words, uint64_t count, uint64_t flip,
    const PhraseWriter& writer_in, uint64_t& position_in, uint8_t* out) {
  const PhraseWriter writer = writer_in;  // locals: see WriteListedPhrases
  uint64_t position = position_in;
  constexpr uint64_t kChunk = 256;  // offsets fit a byte
  uint8_t listed[kChunk + 8];
  const uint64_t word_count = (count + 63) / 64;
  for (uint64_t chunk = 0; chunk < word_count; chunk += kChunk) {
    const uint64_t end = std::min(word_count, chunk + kChunk);
    const size_t n = ListNonEmptyWords(
        words, chunk, end, flip,
        [flip](const uint64_t* at) { return NonEmptyMask8(at, flip); }, listed);
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

// The phrases of the ones at `positions` (ascending, below the stream's
// end), each gap through PhraseWriter: the words themselves are not read
// again.
__attribute__((always_inline)) inline uint8_t* WritePositionPhrases(
    absl::Span<const uint32_t> positions, const PhraseWriter& writer_in,
    uint64_t& position_in, uint8_t* out) {
  const PhraseWriter writer = writer_in;  // locals: see WriteListedPhrases
  uint64_t position = position_in;
  const uint32_t* const at = positions.data();  // raw: Span is checked
  for (size_t i = 0; i < positions.size(); ++i) {
    out = writer.Write(at[i] - position, out);
    position = uint64_t{at[i]} + 1;
  }
  position_in = position;
  return out;
}

// The bit offsets, modulo 256 (a byte each), of the ones of
// words[0 .. word_count) (after XOR with `flip`), read a byte at a time: a
// table gives a byte's offsets, which are stored eight at once and kept
// for as many as the byte has ones. No branch on the data, and the same
// work per word at every density. `offsets` holds word_count * 64 + 8
// bytes. Returns how many it listed.
template <uint64_t kFlip>
__attribute__((always_inline)) inline size_t ListOneOffsets(
    const uint64_t* words, uint64_t word_count, uint8_t* offsets) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(words);  // LE words
  constexpr auto kFlipByte = static_cast<uint8_t>(kFlip);
  size_t n = 0;
  uint64_t b = 0;
  // 32 bytes (256 bits) a round, so that each byte's base offset is a
  // constant of the unrolled loop.
  for (; b + 32 <= word_count * 8; b += 32) {
#pragma GCC unroll 32
    for (uint64_t k = 0; k < 32; ++k) {
      const unsigned byte = bytes[b + k] ^ kFlipByte;
      const uint64_t at = kSetBitOffsets[byte] + 0x0101010101010101ull * 8 * k;
      std::memcpy(offsets + n, &at, 8);
      n += static_cast<size_t>(std::popcount(byte));
    }
  }
  for (; b < word_count * 8; ++b) {
    const unsigned byte = bytes[b] ^ kFlipByte;
    const uint64_t at =
        kSetBitOffsets[byte] + 0x0101010101010101ull * (8 * b & 0xFF);
    std::memcpy(offsets + n, &at, 8);
    n += static_cast<size_t>(std::popcount(byte));
  }
  return n;
}

// Whether words[0 .. word_count) (after XOR with `flip`) hold three empty
// words in a row: without them no gap between two of their ones reaches
// 256 zeros (at most 63 + 128 + 63), so offsets modulo 256 give every gap.
inline bool HasThreeEmptyWords(const uint64_t* words, uint64_t word_count,
                               uint64_t flip) {
  uint64_t empty = 0;  // bit w: word w is empty
  for (uint64_t w = 0; w < word_count; ++w) {
    empty |= static_cast<uint64_t>(words[w] == flip) << w;
  }
  return (empty & empty >> 1 & empty >> 2) != 0;
}

// The phrases of the gaps between offsets[i - 1] and offsets[i], i in
// [1, n), each below 256 zeros: sixteen bytes at once, through
// PhraseWriter only for sixteen that hold a gap of max_run zeros or more.
inline uint8_t* WriteOffsetGaps(const uint8_t* offsets, size_t n,
                                const PhraseWriter& writer, uint8_t* out) {
  size_t i = 1;
#if defined(__SSE2__)
  const __m128i one = _mm_set1_epi8(1);
  const __m128i longest = _mm_set1_epi8(static_cast<char>(writer.max_run() - 1));
  for (; i + 16 <= n; i += 16) {
    const __m128i at =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(offsets + i));
    const __m128i before =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(offsets + i - 1));
    const __m128i gaps = _mm_sub_epi8(_mm_sub_epi8(at, before), one);
    const __m128i short_gaps =
        _mm_cmpeq_epi8(_mm_max_epu8(gaps, longest), longest);
    if (_mm_movemask_epi8(short_gaps) == 0xFFFF) [[likely]] {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out), gaps);
      out += 16;
      continue;
    }
    for (size_t k = i; k < i + 16; ++k) {
      out = writer.Write(static_cast<uint8_t>(offsets[k] - offsets[k - 1] - 1),
                         out);
    }
  }
#endif
  for (; i < n; ++i) {
    out = writer.Write(static_cast<uint8_t>(offsets[i] - offsets[i - 1] - 1),
                       out);
  }
  return out;
}

// For dense streams: the ones of each chunk of 64 whole words are listed
// (ListOneOffsets), and their phrases computed from the list, sixteen at a
// time (WriteOffsetGaps). A chunk where a gap could reach 256 zeros goes
// word by word instead, as does the partial last word.
template <uint64_t kFlip>
__attribute__((always_inline)) inline uint8_t* WriteListedPhrases(
    const uint64_t* words, uint64_t count, const PhraseWriter& writer_in,
    uint64_t& position_in, uint8_t* out) {
  // Locals: stores through `out` (bytes, which may alias anything) would
  // otherwise make the compiler keep the position and the writer in memory.
  const PhraseWriter writer = writer_in;
  uint64_t position = position_in;
  constexpr uint64_t kChunk = 64;
  uint8_t offsets[kChunk * 64 + 8];
  const uint64_t whole = count / 64;
  for (uint64_t chunk = 0; chunk < whole; chunk += kChunk) {
    const uint64_t* const at = words + chunk;
    const uint64_t size = std::min(kChunk, whole - chunk);
    for (uint64_t line = 0; line < size; line += 8) {
      __builtin_prefetch(at + line + 512);  // as in ListNonEmptyWords
    }
    const size_t n = ListOneOffsets<kFlip>(at, size, offsets);
    if (n == 0 || HasThreeEmptyWords(at, size, kFlip)) {
      for (uint64_t w = 0; w < size; ++w) {
        if (at[w] == kFlip) continue;
        out = WriteNonEmptyWord(at[w] ^ kFlip, chunk + w, writer, position,
                                out);
      }
      continue;
    }
    // Without three empty words, the first one is in the first three words
    // and the last in the last three: their offsets are exact.
    out = writer.Write(chunk * 64 + offsets[0] - position, out);
    out = WriteOffsetGaps(offsets, n, writer, out);
    uint64_t last = size - 1;
    while (at[last] == kFlip) --last;
    position = (chunk + last) * 64 + HighestOne(at[last] ^ kFlip) + 1;
  }
  if (count % 64 != 0) {
    const uint64_t word = MaskedWord(words, whole, count, kFlip);
    if (word != 0) out = WriteNonEmptyWord(word, whole, writer, position, out);
  }
  position_in = position;
  return out;
}

// Picks the loop: the listed positions when there are some, else by the
// density (ones per word, in quarters).
__attribute__((always_inline)) inline uint8_t* WritePhrases(
    const uint64_t* words, uint64_t count, uint64_t flip, uint64_t density,
    absl::Span<const uint32_t> positions, const PhraseWriter& writer,
    uint64_t& position, uint8_t* out) {
  if (flip == 0 && !positions.empty()) {
    return WritePositionPhrases(positions, writer, position, out);
  }
  if (density < 6) {
    return WriteSparsePhrases(words, count, flip, writer, position, out);
  }
  if (flip == 0) {
    return WriteListedPhrases<0>(words, count, writer, position, out);
  }
  return WriteListedPhrases<~uint64_t{0}>(words, count, writer, position, out);
}

uint8_t* WritePhrasesPortable(const uint64_t* words, uint64_t count,
                              uint64_t flip, uint64_t density,
                              absl::Span<const uint32_t> positions,
                              const PhraseWriter& writer, uint64_t& position,
                              uint8_t* out) {
  return WritePhrases(words, count, flip, density, positions, writer, position,
                      out);
}

#if defined(__x86_64__)
// The same code where BMI1 makes "clear the lowest one" a single
// instruction: that step is the loop-carried chain of position extraction.
__attribute__((target("bmi,bmi2,popcnt"))) uint8_t* WritePhrasesBmi(
    const uint64_t* words, uint64_t count, uint64_t flip, uint64_t density,
    absl::Span<const uint32_t> positions, const PhraseWriter& writer,
    uint64_t& position, uint8_t* out) {
  return WritePhrases(words, count, flip, density, positions, writer, position,
                      out);
}
#endif

}  // namespace

namespace {

uint64_t CountOnes(const uint64_t* words, uint64_t end) {
  uint64_t sum0 = 0, sum1 = 0;
  uint64_t w = 0;
  for (; w + 8 <= end; w += 8) {
    // A line 4 KiB ahead, as in the listing loop below: a dense context's
    // count otherwise waits on memory for much of its time.
    __builtin_prefetch(words + w + 512);
#pragma GCC unroll 4
    for (int k = 0; k < 8; k += 2) {
      sum0 += static_cast<uint64_t>(std::popcount(words[w + k]));
      sum1 += static_cast<uint64_t>(std::popcount(words[w + k + 1]));
    }
  }
  for (; w < end; ++w) sum0 += static_cast<uint64_t>(std::popcount(words[w]));
  return sum0 + sum1;
}

// Writes base + the index of each one of the non-empty `word`, two per
// round with no branch on the data, and returns the end of them. Stores
// one position past the end.
__attribute__((always_inline)) inline uint32_t* AppendOnePositions(
    uint64_t word, uint32_t base, uint32_t* out) {
  constexpr uint64_t kTop = uint64_t{1} << 63;  // placeholder 63, no zero test
  uint32_t* const end = out + std::popcount(word);
  do {
    out[0] = base + static_cast<uint32_t>(LowestOne(word | kTop));
    word &= word - 1;
    out[1] = base + static_cast<uint32_t>(LowestOne(word | kTop));
    word &= word - 1;
    out += 2;
  } while (word != 0);
  return end;
}

// A chunk's non-empty words are listed first, eight at a time without
// branching (as in WriteSparsePhrases), and then read for their ones while
// they are still in L1.
constexpr uint64_t kListChunk = 256;  // word offsets fit a byte
// Listing is dropped once the ones outnumber 1.5 a word (plus this slack,
// for an uneven start): denser contexts take the loops that cost per word.
constexpr uint64_t kListSlack = 1024;

template <unsigned (*kNonEmptyMask8)(const uint64_t*)>
__attribute__((always_inline)) inline void SummarizeBitsWith(
    const uint64_t* words, uint64_t count, BitSummary* summary) {
  const uint64_t word_count = (count + 63) / 64;
  summary->listed = 0;
  if (count >= (uint64_t{1} << 32)) {
    summary->ones = CountOnes(words, word_count);
    return;
  }
  // A chunk may start just under the limit (or at every bit so far) and
  // add 64 ones a word, plus the one position AppendOnePositions stores
  // past the end.
  const uint64_t capacity =
      std::min(word_count * 64, word_count * 3 / 2 + kListSlack) +
      std::min(word_count, kListChunk) * 64 + 1;
  summary->positions.reset(new uint32_t[capacity]);
  uint32_t* const positions = summary->positions.get();
  uint32_t* out = positions;
  uint8_t listed[kListChunk + 8];
  for (uint64_t chunk = 0; chunk < word_count; chunk += kListChunk) {
    if (static_cast<uint64_t>(out - positions) > chunk * 3 / 2 + kListSlack) {
      summary->ones = CountOnes(words, word_count);
      return;
    }
    const uint64_t end = std::min(word_count, chunk + kListChunk);
    const size_t n =
        ListNonEmptyWords(words, chunk, end, 0, kNonEmptyMask8, listed);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t at = chunk + listed[i];
      out = AppendOnePositions(words[at], static_cast<uint32_t>(at * 64), out);
    }
  }
  summary->listed = static_cast<size_t>(out - positions);
  summary->ones = summary->listed;
}

unsigned NonEmptyMask8Portable(const uint64_t* words) {
  return NonEmptyMask8(words, 0);
}
void SummarizeBitsPortable(const uint64_t* words, uint64_t count,
                           BitSummary* summary) {
  SummarizeBitsWith<NonEmptyMask8Portable>(words, count, summary);
}

#if defined(__x86_64__)
// Eight words in two compares, and BMI1 for the position extraction.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) inline unsigned
NonEmptyMask8Avx2(const uint64_t* words) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i low =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(words));
  const __m256i high =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(words + 4));
  const auto empty_low = static_cast<unsigned>(
      _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(low, zero))));
  const auto empty_high = static_cast<unsigned>(
      _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(high, zero))));
  return ~(empty_low | empty_high << 4) & 0xFF;
}
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void SummarizeBitsAvx2(
    const uint64_t* words, uint64_t count, BitSummary* summary) {
  SummarizeBitsWith<NonEmptyMask8Avx2>(words, count, summary);
}
#endif

}  // namespace

void SummarizeBits(const uint64_t* words, uint64_t count,
                   BitSummary* summary) {
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) return SummarizeBitsAvx2(words, count, summary);
#endif
  SummarizeBitsPortable(words, count, summary);
}

uint8_t* WriteRunSymbols(const uint64_t* words, uint64_t count, bool invert,
                         uint64_t one_count, uint32_t max_run,
                         absl::Span<const uint32_t> one_positions,
                         uint8_t* out) {
  const uint64_t flip = invert ? ~uint64_t{0} : 0;
  const PhraseWriter writer(max_run);
  uint64_t position = 0;
  const uint64_t density = count == 0 ? 0 : one_count * 256 / count;
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) {
    out = WritePhrasesBmi(words, count, flip, density, one_positions, writer,
                          position, out);
  } else {
    out = WritePhrasesPortable(words, count, flip, density, one_positions,
                               writer, position, out);
  }
#else
  out = WritePhrasesPortable(words, count, flip, density, one_positions,
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
