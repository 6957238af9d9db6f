#include "codec/entropy/run_symbols.h"

#include <bit>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "gradcodec/error_code.h"
#include "gtest/gtest.h"
#include "synthetic.h"

namespace gradcodec::internal {
namespace {

using Bytes = std::vector<uint8_t>;

// The phrases by their definition, one bit at a time.
Bytes NaivePhrases(const std::vector<uint64_t>& words, uint64_t count,
                   bool invert, uint32_t max_run) {
  Bytes phrases;
  uint64_t zeros = 0;
  auto emit = [&] {
    while (zeros >= max_run) {
      phrases.push_back(static_cast<uint8_t>(max_run));
      zeros -= max_run;
    }
    phrases.push_back(static_cast<uint8_t>(zeros));
    zeros = 0;
  };
  for (uint64_t i = 0; i < count; ++i) {
    const bool bit = ((words[i / 64] >> (i % 64)) & 1) != invert;
    if (bit) {
      emit();
    } else {
      ++zeros;
    }
  }
  emit();  // the virtual one at `count`
  return phrases;
}

Bytes Write(const std::vector<uint64_t>& words, uint64_t count, bool invert,
            uint32_t max_run, bool use_list) {
  BitSummary summary;
  SummarizeBits(words.data(), count, &summary);
  const uint64_t ones = invert ? count - summary.ones : summary.ones;
  Bytes out(MaxRunSymbols(count, ones, max_run) + kRunSymbolSlack);
  const uint8_t* end = WriteRunSymbols(
      words.data(), count, invert, ones, max_run,
      use_list ? summary.one_positions() : absl::Span<const uint32_t>(),
      out.data());
  out.resize(static_cast<size_t>(end - out.data()));
  return out;
}

TEST(RunSymbolsTest, EveryLoopWritesThePhrasesOfTheDefinition) {
  // Densities that take the sparse, listed-positions and byte-table loops;
  // lengths that end inside a word; caps with and without escapes inside a
  // word; inverted streams.
  for (double p : {0.0, 0.0005, 0.004, 0.015, 0.05, 0.1, 0.3, 0.5}) {
    for (uint64_t count : {1, 63, 64, 65, 1000, 70001}) {
      const std::vector<uint64_t> words = testing::SyntheticBits(
          count, p, static_cast<uint64_t>(count * 1000 + p * 1e6));
      for (uint32_t max_run : {1u, 7u, 63u, 64u, 255u}) {
        for (bool invert : {false, true}) {
          // Inverting needs the bits past `count` to stay out: they do,
          // since WriteRunSymbols masks the last word.
          SCOPED_TRACE(::testing::Message() << "p " << p << " count " << count
                                          << " max_run " << max_run
                                          << " invert " << invert);
          const Bytes expected = NaivePhrases(words, count, invert, max_run);
          ASSERT_EQ(Write(words, count, invert, max_run, false), expected);
          ASSERT_EQ(Write(words, count, invert, max_run, true), expected);
          if (!invert) {
            std::vector<uint64_t> expanded(words.size(), 0);
            ASSERT_TRUE(
                ExpandRunSymbols(expected, max_run, count, expanded.data())
                    .ok());
            ASSERT_EQ(expanded, words);
          }
        }
      }
    }
  }
}

// The dense loop takes gaps from bit offsets modulo 256 and falls back to
// word-by-word coding for chunks that hold three empty words in a row:
// dense bits cut by gaps of every length around those limits (inside a
// chunk and across chunk boundaries), and full words, must still give the
// phrases of the definition.
TEST(RunSymbolsTest, DenseLoopGapsAroundItsLimits) {
  std::mt19937_64 rng(11);
  const uint64_t count = 200 * 64 * 64 + 13;  // 200 chunks, a partial word
  std::vector<uint64_t> words = testing::SyntheticBits(count, 0.2, 5);
  words[7] = ~uint64_t{0};
  uint64_t bit = 100;
  for (uint64_t gap : {120, 127, 128, 129, 191, 192, 200, 254, 255, 256, 257,
                       300, 64 * 3, 64 * 3 + 1, 64 * 5, 4096, 64 * 64 * 2}) {
    bit += 2000 + rng() % 3000;
    for (uint64_t i = bit; i < bit + gap && i < count; ++i) {
      words[i / 64] &= ~(uint64_t{1} << (i % 64));
    }
    bit += gap;
  }
  for (uint64_t w = 3 * 64 - 2; w < 3 * 64 + 1; ++w) words[w] = 0;  // across
  for (bool invert : {false, true}) {
    if (invert) {
      for (uint64_t& w : words) w = ~w;
    }
    for (uint32_t max_run : {1u, 63u, 64u, 127u, 200u, 255u}) {
      SCOPED_TRACE(::testing::Message() << "max_run " << max_run << " invert "
                                        << invert);
      ASSERT_EQ(Write(words, count, invert, max_run, false),
                NaivePhrases(words, count, invert, max_run));
    }
  }
}

// A gap of 2^24 zeros or more once overflowed the escape count's
// multiply-shift (found in review): the phrases must still match.
TEST(RunSymbolsTest, GapsBeyondTwoToTheTwentyFourRoundTrip) {
  const uint64_t count = (uint64_t{1} << 25) + 77;
  std::vector<uint64_t> words((count + 63) / 64, 0);
  words[1] = 1;                                           // bit 64
  words[(count - 3) / 64] |= uint64_t{1} << ((count - 3) % 64);
  for (uint32_t max_run : {1u, 2u, 32u, 255u}) {
    const Bytes phrases = Write(words, count, false, max_run, false);
    std::vector<uint64_t> expanded(words.size(), 0);
    ASSERT_TRUE(ExpandRunSymbols(phrases, max_run, count, expanded.data()).ok())
        << max_run;
    ASSERT_EQ(expanded, words) << max_run;
  }
}

TEST(RunSymbolsTest, SummaryCountsOnesAndListsOnlySparseOnes) {
  // 100003 bits: the last word is partial; p = 0.02 puts some words at
  // three ones and more.
  for (double p : {0.002, 0.02}) {
    const std::vector<uint64_t> sparse =
        testing::SyntheticBits(100003, p, 3);
    BitSummary summary;
    SummarizeBits(sparse.data(), 100003, &summary);
    std::vector<uint32_t> positions;
    for (uint32_t i = 0; i < 100003; ++i) {
      if ((sparse[i / 64] >> (i % 64) & 1) != 0) positions.push_back(i);
    }
    EXPECT_EQ(summary.ones, positions.size()) << p;
    EXPECT_EQ(std::vector<uint32_t>(summary.one_positions().begin(),
                                    summary.one_positions().end()),
              positions)
        << p;
  }

  // Over 1.5 ones a word: counted, not listed.
  const std::vector<uint64_t> dense = testing::SyntheticBits(100000, 0.2, 4);
  BitSummary summary;
  SummarizeBits(dense.data(), 100000, &summary);
  uint64_t ones = 0;
  for (uint64_t w : dense) ones += static_cast<uint64_t>(std::popcount(w));
  EXPECT_EQ(summary.ones, ones);
  EXPECT_TRUE(summary.one_positions().empty());
}

TEST(RunSymbolsTest, ExpandRefusesPhrasesThatMissTheEnd) {
  std::vector<uint64_t> words(2, 0);
  // 100 bits, max_run 255: 99 zeros then a one (bit 99), then the
  // virtual one at bit 100 right after it.
  EXPECT_TRUE(ExpandRunSymbols(Bytes{99, 0}, 255, 100, words.data()).ok());
  EXPECT_EQ(words[0], 0u);
  EXPECT_EQ(words[1], uint64_t{1} << 35);
  std::fill(words.begin(), words.end(), 0);
  EXPECT_TRUE(ExpandRunSymbols(Bytes{100}, 255, 100, words.data()).ok());
  EXPECT_EQ(words[0] | words[1], 0u);
  for (const Bytes& bad : {Bytes{}, Bytes{101}, Bytes{98}, Bytes{50, 49, 0},
                           Bytes{255}}) {
    std::fill(words.begin(), words.end(), 0);
    EXPECT_EQ(GetErrorCode(ExpandRunSymbols(bad, 255, 100, words.data())),
              ErrorCode::kCorruptPayload);
  }
}

}  // namespace
}  // namespace gradcodec::internal
