#include "codec/entropy/context_split.h"

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "codec/entropy/context_bit_coder.h"
#include "codec/entropy/cpu_features.h"
#include "gradcodec/error_code.h"
#include "gtest/gtest.h"
#include "merged_words_checker.h"
#include "stored_planes.h"

namespace gradcodec::internal {
namespace {

// The bits of each context: the counts a split must end with and a merge
// is given.
std::vector<uint64_t> CountContexts(const std::vector<uint8_t>& contexts,
                                    uint32_t context_count) {
  std::vector<uint64_t> counts(context_count, 0);
  for (uint8_t context : contexts) ++counts[context];
  return counts;
}

struct Case {
  std::vector<uint64_t> bits;
  std::vector<uint8_t> contexts;
  uint32_t context_count;
};

Case MakeCase(size_t n, uint32_t context_count, uint64_t seed, bool runs) {
  std::mt19937_64 rng(seed);
  Case c;
  c.context_count = context_count;
  c.bits.assign(BitWords(n), 0);
  for (size_t i = 0; i < n; ++i) {
    if (rng() & 1) c.bits[i >> 6] |= uint64_t{1} << (i & 63);
  }
  c.contexts.resize(n);
  uint8_t current = 0;
  for (auto& ctx : c.contexts) {
    // Runs of one context (as flip histories give) or fully random.
    if (!runs || rng() % 50 == 0) {
      current = static_cast<uint8_t>(rng() % context_count);
    }
    ctx = current;
  }
  return c;
}

// Contexts as signxor's flip histories give them: each coordinate's last
// `history_bits` flips, each a flip with the coordinate's own rate (most
// rates small), so that context 0 (no recent flip) takes about 40% of the
// coordinates and the rest spread over the others, some 15 to 25 to a group
// of 64 at six bits. Blocks of `segment` coordinates keep only the low
// (block mod (history_bits + 1)) bits, as the packets after a key do, so
// that neighbouring blocks need different plane counts.
Case MakeFlipHistoryCase(size_t n, uint32_t history_bits, uint64_t seed,
                         size_t segment) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Case c;
  c.context_count = 1u << history_bits;
  c.bits.assign(BitWords(n), 0);
  c.contexts.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double u = uniform(rng);
    const double rate = 0.6 * u * u * u;
    uint32_t history = 0;
    for (uint32_t k = 0; k < history_bits; ++k) {
      history |= static_cast<uint32_t>(uniform(rng) < rate) << k;
    }
    const uint32_t kept = segment == 0 ? history_bits
                                       : (i / segment) % (history_bits + 1);
    c.contexts[i] = static_cast<uint8_t>(history & ((1u << kept) - 1));
    if (uniform(rng) < rate) c.bits[i >> 6] |= uint64_t{1} << (i & 63);
  }
  return c;
}

// Each context's bits, one bit at a time: what the splits must give.
std::vector<std::vector<uint64_t>> ReferenceSplit(const Case& c) {
  std::vector<std::vector<uint64_t>> words(c.context_count);
  std::vector<uint64_t> counts(c.context_count, 0);
  for (size_t i = 0; i < c.contexts.size(); ++i) {
    const uint8_t k = c.contexts[i];
    if (counts[k] % 64 == 0) words[k].push_back(0);
    words[k].back() |= ((c.bits[i >> 6] >> (i & 63)) & 1) << (counts[k] % 64);
    ++counts[k];
  }
  return words;
}

// The split's vectors hold the reference's bits and counts, word for
// word, with the spare word after them zero.
void ExpectSplitLikeReference(const GrowingContextBitVectors& split,
                              const Case& c, const std::string& label) {
  const std::vector<std::vector<uint64_t>> reference = ReferenceSplit(c);
  const std::vector<uint64_t> counts =
      CountContexts(c.contexts, c.context_count);
  ASSERT_EQ(split.context_count(), c.context_count) << label;
  for (uint32_t k = 0; k < c.context_count; ++k) {
    ASSERT_EQ(split.count(k), counts[k]) << label << " context " << k;
    ASSERT_EQ(BitWords(counts[k]), reference[k].size());
    std::vector<uint64_t> expected = reference[k];
    expected.push_back(0);  // the spare word
    ASSERT_TRUE(std::equal(expected.begin(), expected.end(), split.words(k)))
        << label << " context " << k;
  }
}

// The dispatched split (AVX2 where available) and the portable one both
// give the reference's vectors, in fresh vectors and in `reused` (vectors
// that earlier splits left with capacities of their own).
void ExpectSplitsAgree(const Case& c, const std::string& label,
                       GrowingContextBitVectors* reused = nullptr) {
  GrowingContextBitVectors fast, portable;
  SplitByContext(c.bits.data(), c.contexts, c.context_count, fast);
  ExpectSplitLikeReference(fast, c, label + " (dispatched)");
  SplitByContextPortable(c.bits.data(), c.contexts, c.context_count,
                         portable);
  ExpectSplitLikeReference(portable, c, label + " (portable)");
  if (reused != nullptr) {
    SplitByContext(c.bits.data(), c.contexts, c.context_count, *reused);
    ExpectSplitLikeReference(*reused, c, label + " (dispatched, reused)");
    SplitByContextPortable(c.bits.data(), c.contexts, c.context_count,
                           *reused);
    ExpectSplitLikeReference(*reused, c, label + " (portable, reused)");
  }
}

// The split's vectors as the merge takes them: all of them, or those of
// its first `contexts` contexts.
ContextBitVectors ForMerge(const GrowingContextBitVectors& split,
                           uint32_t contexts = ~0u) {
  std::vector<uint64_t> counts(std::min(contexts, split.context_count()));
  for (uint32_t k = 0; k < counts.size(); ++k) {
    counts[k] = split.count(k);
  }
  ContextBitVectors vectors(counts);
  for (uint32_t k = 0; k < counts.size(); ++k) {
    std::copy(split.words(k), split.words(k) + BitWords(counts[k]),
              vectors.words(k));
  }
  return vectors;
}

// The dispatched (AVX2 where available) and portable paths agree and
// invert each other, at every tail length.
TEST(ContextSplitTest, FastAndPortablePathsAgree) {
  uint64_t seed = 1;
  for (size_t n : {0, 1, 63, 64, 65, 127, 128, 1000, 4097, 100003}) {
    for (uint32_t contexts : {1u, 2u, 16u, 17u, 64u, 256u}) {
      for (bool runs : {false, true}) {
        const Case c = MakeCase(n, contexts, seed++, runs);
        ExpectSplitsAgree(c, "n=" + std::to_string(n) + " contexts=" +
                                 std::to_string(contexts) +
                                 " runs=" + std::to_string(runs));
        GrowingContextBitVectors split;
        SplitByContext(c.bits.data(), c.contexts, c.context_count, split);
        const ContextBitVectors fast = ForMerge(split);
        std::vector<uint64_t> merged(BitWords(n), ~uint64_t{0});
        std::vector<uint64_t> merged_portable(BitWords(n), ~uint64_t{0});
        ASSERT_TRUE(MergeByContext(fast, c.contexts, merged.data()).ok());
        ASSERT_TRUE(MergeByContextPortable(fast, c.contexts,
                                           merged_portable.data())
                        .ok());
        EXPECT_EQ(merged, c.bits) << "n=" << n;
        EXPECT_EQ(merged_portable, c.bits) << "n=" << n;
      }
    }
  }
}

// Flip-history contexts: skewed to context 0, many contexts to a group,
// blocks needing different plane counts, context counts below 64, and
// every tail length of the last group.
TEST(ContextSplitTest, FlipHistoriesSplitLikePortable) {
  uint64_t seed = 300;
  for (size_t n : {64, 4095, 4096 * 3 + 17, 100000, 262144 + 63}) {
    for (uint32_t history_bits : {1u, 2u, 4u, 5u, 6u}) {
      for (size_t segment : {0, 4096, 1000}) {
        const Case c = MakeFlipHistoryCase(n, history_bits, seed++, segment);
        ExpectSplitsAgree(c, "n=" + std::to_string(n) +
                                 " history_bits=" +
                                 std::to_string(history_bits) +
                                 " segment=" + std::to_string(segment));
      }
    }
  }
}

// Counts of contexts that are not powers of two, with every context the
// count allows in use, and all 64 contexts in every group.
TEST(ContextSplitTest, EveryContextInUseSplitsLikePortable) {
  for (uint32_t contexts : {3u, 33u, 63u, 64u}) {
    for (size_t n : {64 * 300, 64 * 300 + 1, 64 * 300 + 40}) {
      Case c = MakeCase(n, contexts, contexts + n, false);
      ExpectSplitsAgree(c, "random n=" + std::to_string(n) +
                               " contexts=" + std::to_string(contexts));
      // Coordinate i in context i mod contexts: each group holds every
      // context (up to 64) and each context's bits cross words often.
      for (size_t i = 0; i < n; ++i) {
        c.contexts[i] = static_cast<uint8_t>(i % contexts);
      }
      ExpectSplitsAgree(c, "cyclic n=" + std::to_string(n) +
                               " contexts=" + std::to_string(contexts));
    }
  }
}

// One context takes every bit, so that its vector grows block after block
// (from one block's room to the whole stream) while the others stay
// empty; with the plane path (up to 64 contexts) and the distinct one.
TEST(ContextSplitTest, OneContextTakingEveryBitGrowsAcrossBlocks) {
  for (uint32_t contexts : {2u, 64u, 256u}) {
    for (uint32_t taker : {0u, contexts - 1}) {
      for (size_t n : {64 * 64 + 1, 64 * 64 * 9 + 33, 1000003}) {
        Case c = MakeCase(n, contexts, n + taker, false);
        std::fill(c.contexts.begin(), c.contexts.end(),
                  static_cast<uint8_t>(taker));
        ExpectSplitsAgree(c, "n=" + std::to_string(n) + " contexts=" +
                                 std::to_string(contexts) +
                                 " taker=" + std::to_string(taker));
        // Then most bits in one context, the rest spread.
        for (size_t i = 0; i < n; i += 7) {
          c.contexts[i] = static_cast<uint8_t>(i % contexts);
        }
        ExpectSplitsAgree(c, "mostly n=" + std::to_string(n) +
                                 " contexts=" + std::to_string(contexts) +
                                 " taker=" + std::to_string(taker));
      }
    }
  }
}

// One set of vectors through many splits, as an encoding thread keeps it:
// the counts change from call to call (which context takes most bits, the
// stream's length, the context count), so some contexts grow while others
// keep more room than they need, and vectors held after a long stream
// serve short ones (and are started afresh when far too large).
TEST(ContextSplitTest, ReusedVectorsSplitLikeFresh) {
  GrowingContextBitVectors reused;
  uint64_t seed = 700;
  for (int round = 0; round < 3; ++round) {
    for (size_t n : {300000, 5000, 64 * 64 * 3, 0, 100, 200000}) {
      for (uint32_t contexts : {64u, 5u, 256u, 16u}) {
        Case c = MakeCase(n, contexts, seed++, true);
        // A different context takes most bits each time.
        const auto taker = static_cast<uint8_t>(seed % contexts);
        for (size_t i = 0; i < n; ++i) {
          if (i % 5 != 0) c.contexts[i] = taker;
        }
        ExpectSplitsAgree(c,
                          "round=" + std::to_string(round) +
                              " n=" + std::to_string(n) +
                              " contexts=" + std::to_string(contexts),
                          &reused);
      }
    }
  }
  // Flip histories too, whose blocks need different plane counts.
  for (uint32_t history_bits : {6u, 2u, 5u}) {
    const Case c = MakeFlipHistoryCase(100000, history_bits, seed++, 4096);
    ExpectSplitsAgree(c, "flips history_bits=" + std::to_string(history_bits),
                      &reused);
  }
}

// Contexts as bit planes: the same contexts as their bytes, and the same
// merge, at every tail length and plane count (up to ContextPlanes::kMaxPlanes).
TEST(ContextSplitTest, PlanesMergeLikeBytes) {
  uint64_t seed = 500;
  for (size_t n : {0, 1, 63, 64, 65, 1000, 4097, 100003}) {
    for (uint32_t plane_count : {0u, 1u, 3u, 6u, 7u, 8u}) {
      for (bool runs : {false, true}) {
        const Case c = MakeCase(n, 1u << plane_count, seed++, runs);
        const StoredPlanes stored(c.contexts, plane_count);
        const ContextPlanes& planes = stored.planes;
        std::vector<uint8_t> contexts(n);
        ContextsFromPlanes(planes, contexts.data());
        ASSERT_EQ(contexts, c.contexts) << "n=" << n;
        GrowingContextBitVectors split;
        SplitByContextPortable(c.bits.data(), c.contexts, c.context_count,
                               split);
        const ContextBitVectors vectors = ForMerge(split);
        for (const bool portable : {false, true}) {
          const std::string label = "n=" + std::to_string(n) +
                                    " planes=" + std::to_string(plane_count) +
                                    (portable ? " (portable)" : "");
          std::optional<ScopedPortablePathsForTesting> portable_paths;
          if (portable) portable_paths.emplace();
          std::vector<uint64_t> merged(BitWords(n), ~uint64_t{0});
          MergedWordsChecker told(merged.data(), c.bits, label);
          ASSERT_TRUE(
              MergeByContextPlanes(vectors, planes, merged.data(), told).ok())
              << label;
          told.ExpectAllTold();
          EXPECT_EQ(merged, c.bits) << label;
        }
      }
    }
  }
}

// A grouping of `contexts` contexts into groups 0 .. used - 1, each used
// when there are enough contexts (a caller's group count above `used`
// leaves groups that hold no context, which the format allows).
std::vector<uint8_t> MakeGroups(uint32_t contexts, uint32_t used,
                                uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> group_of(kMaxGroupedContexts, 0);
  for (uint32_t c = 0; c < contexts; ++c) {
    group_of[c] = static_cast<uint8_t>(c < used ? c : rng() % used);
  }
  std::shuffle(group_of.begin(), group_of.begin() + contexts, rng);
  return group_of;
}

// The case with each context replaced by its group.
Case Grouped(const Case& c, const std::vector<uint8_t>& group_of,
             uint32_t groups) {
  Case grouped = c;
  grouped.context_count = groups;
  for (uint8_t& context : grouped.contexts) context = group_of[context];
  return grouped;
}

// Splitting by groups is splitting by the contexts' groups, on the AVX2
// and the portable path, and merging by the planes with the groups
// inverts it: group counts from 1 to 64 (every count the encoder writes,
// 1 to 8), with every group used or with the last ones empty, flip
// histories and random contexts, words of the planes' partial and whole.
TEST(ContextSplitTest, GroupsSplitAndMergeLikeTheirContexts) {
  uint64_t seed = 900;
  for (size_t n : {0, 1, 63, 64, 130, 4097, 100003, 262144 + 63}) {
    for (uint32_t history_bits : {1u, 4u, 6u}) {
      const uint32_t contexts = 1u << history_bits;
      for (uint32_t groups : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 16u, 64u}) {
        if (groups > contexts) continue;
        for (uint32_t used : {groups, (groups + 1) / 2}) {
          const std::string label =
              "n=" + std::to_string(n) +
              " history_bits=" + std::to_string(history_bits) +
              " groups=" + std::to_string(groups) +
              " used=" + std::to_string(used);
          const std::vector<uint8_t> group_of =
              MakeGroups(contexts, used, seed++);
          for (bool flips : {false, true}) {
            const Case c = flips
                               ? MakeFlipHistoryCase(n, history_bits, seed++, 0)
                               : MakeCase(n, contexts, seed++, true);
            const Case expected = Grouped(c, group_of, groups);
            GrowingContextBitVectors fast, portable;
            SplitByContextGroups(c.bits.data(), c.contexts, group_of.data(),
                                 groups, fast);
            ExpectSplitLikeReference(fast, expected, label + " (dispatched)");
            {
              // The AVX2 split where the machine has the AVX-512 one.
              ScopedAvx2PathsForTesting avx2_paths;
              GrowingContextBitVectors avx2;
              SplitByContextGroups(c.bits.data(), c.contexts, group_of.data(),
                                   groups, avx2);
              ExpectSplitLikeReference(avx2, expected, label + " (AVX2)");
            }
            SplitByContextPortable(c.bits.data(), c.contexts, groups, portable,
                                   group_of.data());
            ExpectSplitLikeReference(portable, expected, label + " (portable)");

            StoredPlanes stored(c.contexts, history_bits);
            stored.planes.group_of = group_of.data();
            std::vector<uint8_t> mapped(n);
            ContextsFromPlanes(stored.planes, mapped.data());
            ASSERT_EQ(mapped, expected.contexts) << label;
            const ContextBitVectors vectors = ForMerge(fast);
            std::vector<uint64_t> merged(BitWords(n), ~uint64_t{0});
            MergedWordsChecker told(merged.data(), c.bits, label);
            ASSERT_TRUE(MergeByContextPlanes(vectors, stored.planes,
                                             merged.data(), told)
                            .ok())
                << label;
            told.ExpectAllTold();
            EXPECT_EQ(merged, c.bits) << label;
            {
              // On the AVX2 path where the machine has the AVX-512 one.
              ScopedAvx2PathsForTesting avx2_paths;
              std::fill(merged.begin(), merged.end(), ~uint64_t{0});
              MergedWordsChecker told_avx2(merged.data(), c.bits,
                                           label + " (AVX2)");
              ASSERT_TRUE(MergeByContextPlanes(vectors, stored.planes,
                                               merged.data(), told_avx2)
                              .ok())
                  << label;
              told_avx2.ExpectAllTold();
              EXPECT_EQ(merged, c.bits) << label << " (AVX2)";
            }
            // And on the portable path, which maps the planes to bytes.
            ScopedPortablePathsForTesting portable_paths;
            std::vector<uint8_t> mapped_portable(n);
            ContextsFromPlanes(stored.planes, mapped_portable.data());
            ASSERT_EQ(mapped_portable, expected.contexts) << label;
            std::fill(merged.begin(), merged.end(), ~uint64_t{0});
            MergedWordsChecker told_portable(merged.data(), c.bits,
                                             label + " (portable)");
            ASSERT_TRUE(MergeByContextPlanes(vectors, stored.planes,
                                             merged.data(), told_portable)
                            .ok())
                << label;
            told_portable.ExpectAllTold();
            EXPECT_EQ(merged, c.bits) << label << " (portable)";
          }
        }
      }
    }
  }
}

// Group counts that do not match the coordinates' groups fail the merge
// by planes, as context counts do.
TEST(ContextSplitTest, GroupMergeRejectsCountsThatDoNotMatchTheGroups) {
  const Case c = MakeFlipHistoryCase(10000, 6, 77, 0);
  const std::vector<uint8_t> group_of = MakeGroups(64, 8, 78);
  const Case expected = Grouped(c, group_of, 8);
  for (uint64_t shift : {1u, 64u, 100u}) {
    std::vector<uint64_t> wrong = CountContexts(expected.contexts, 8);
    const uint32_t big = static_cast<uint32_t>(
        std::max_element(wrong.begin(), wrong.end()) - wrong.begin());
    wrong[big] -= shift;
    wrong[(big + 1) % 8] += shift;
    ContextBitVectors vectors(wrong);
    StoredPlanes stored(c.contexts, 6);
    stored.planes.group_of = group_of.data();
    std::vector<uint64_t> out(BitWords(10000));
    EXPECT_EQ(
        GetErrorCode(MergeByContextPlanes(vectors, stored.planes, out.data())),
        ErrorCode::kCorruptPayload)
        << "shift " << shift;
  }
}

// A group table entry at or above the group count (which a decoder
// refuses before merging) fails the merge where a coordinate has that
// context, even when the vectors' counts leave its coordinates out, and
// changes nothing where none does, on both paths: the AVX2 merge visits
// only the groups below the count when the table allows.
TEST(ContextSplitTest, GroupsPastTheCountFailOnlyWhereUsed) {
  const size_t n = 70000;
  // Contexts below 32 in six planes: contexts 32..63 hold no coordinate.
  const Case c = MakeCase(n, 32, 79, true);
  const std::vector<uint8_t> group_of = MakeGroups(32, 7, 80);
  for (bool portable : {false, true}) {
    std::optional<ScopedPortablePathsForTesting> portable_paths;
    if (portable) portable_paths.emplace();
    const std::string label = portable ? "portable" : "dispatched";
    for (uint32_t stray : {40u, 31u}) {
      std::vector<uint8_t> table = group_of;
      table[stray] = 7;  // one past the count
      // The vectors of the first 7 groups of a split by that table: every
      // bit but those of the stray context's coordinates.
      GrowingContextBitVectors split;
      SplitByContextGroups(c.bits.data(), c.contexts, table.data(), 8, split);
      const ContextBitVectors vectors = ForMerge(split, 7);
      StoredPlanes stored(c.contexts, 6);
      stored.planes.group_of = table.data();
      std::vector<uint64_t> merged(BitWords(n));
      const absl::Status status =
          MergeByContextPlanes(vectors, stored.planes, merged.data());
      if (stray >= 32) {
        ASSERT_TRUE(status.ok()) << label << ": " << status;
        EXPECT_EQ(merged, c.bits) << label;
      } else {
        EXPECT_EQ(GetErrorCode(status), ErrorCode::kCorruptPayload) << label;
      }
    }
  }
}

// Grouped merges long enough that most blocks of most groups take the
// merge's unchecked path (a group with a block's worth of bits left, and
// two such groups to a pass): the same bits as the contexts', with takes
// over 56 bits (runs of one context, and one group holding every
// coordinate, whose last take ends on its spare word), alone and beside
// groups that hold nothing. Counts moved between groups by a bit or a word
// still fail at this size.
TEST(ContextSplitTest, LongGroupedMergesTakeTheirBitsLikeShortOnes) {
  uint64_t seed = 1300;
  for (size_t n : {size_t{1} << 19, (size_t{1} << 19) + 37}) {
    for (uint32_t groups : {2u, 3u, 8u}) {
      for (int kind = 0; kind < 3; ++kind) {
        const std::string label = "n=" + std::to_string(n) +
                                  " groups=" + std::to_string(groups) +
                                  " kind=" + std::to_string(kind);
        const Case c = kind == 0 ? MakeFlipHistoryCase(n, 6, seed++, 0)
                                 : MakeCase(n, 64, seed++, true);
        std::vector<uint8_t> group_of = MakeGroups(64, groups, seed++);
        if (kind == 2) std::fill(group_of.begin(), group_of.end(), 0);
        const Case expected = Grouped(c, group_of, groups);
        GrowingContextBitVectors split;
        SplitByContextGroups(c.bits.data(), c.contexts, group_of.data(), groups,
                             split);
        StoredPlanes stored(c.contexts, 6);
        stored.planes.group_of = group_of.data();
        std::vector<uint64_t> merged(BitWords(n), ~uint64_t{0});
        MergedWordsChecker told(merged.data(), c.bits, label);
        ASSERT_TRUE(MergeByContextPlanes(ForMerge(split), stored.planes,
                                         merged.data(), told)
                        .ok())
            << label;
        told.ExpectAllTold();
        EXPECT_EQ(merged, c.bits) << label;
        if (kind == 2) continue;  // one group: no count to move
        for (uint64_t shift : {1u, 64u}) {
          std::vector<uint64_t> wrong =
              CountContexts(expected.contexts, groups);
          const auto big = static_cast<uint32_t>(
              std::max_element(wrong.begin(), wrong.end()) - wrong.begin());
          wrong[big] -= shift;
          wrong[(big + 1) % groups] += shift;
          std::vector<uint64_t> out(BitWords(n));
          EXPECT_EQ(GetErrorCode(MergeByContextPlanes(
                        ContextBitVectors(wrong), stored.planes, out.data())),
                    ErrorCode::kCorruptPayload)
              << label << " shift " << shift;
        }
      }
    }
  }
}

TEST(ContextSplitTest, MergeRejectsCountsThatDoNotMatchTheContexts) {
  // Four contexts and 64 (the AVX2 plane paths); a count off by one
  // within a word, or by a whole word.
  for (uint32_t contexts : {4u, 64u}) {
    for (uint64_t shift : {1u, 64u, 100u}) {
      const Case c = MakeCase(10000, contexts, 99, false);
      std::vector<uint64_t> counts = CountContexts(c.contexts, contexts);
      for (int direction : {1, -1}) {
        std::vector<uint64_t> wrong = counts;
        wrong[0] += direction * shift;
        wrong[1] -= direction * shift;
        ContextBitVectors vectors(wrong);
        std::vector<uint64_t> out(BitWords(10000));
        EXPECT_EQ(
            GetErrorCode(MergeByContext(vectors, c.contexts, out.data())),
            ErrorCode::kCorruptPayload)
            << contexts << " contexts, shift " << shift;
        EXPECT_EQ(GetErrorCode(MergeByContextPortable(vectors, c.contexts,
                                                      out.data())),
                  ErrorCode::kCorruptPayload);
        // And with the same contexts as planes.
        const StoredPlanes stored(c.contexts, contexts == 4 ? 2 : 6);
        EXPECT_EQ(GetErrorCode(MergeByContextPlanes(vectors, stored.planes,
                                                    out.data())),
            ErrorCode::kCorruptPayload)
            << contexts << " contexts as planes, shift " << shift;
      }
    }
  }
}

TEST(ContextSplitTest, MergeRejectsContextsAboveTheCount) {
  // Contexts the payload has no vector for fail, touching nothing.
  Case c = MakeCase(5000, 64, 7, true);
  const std::vector<uint64_t> counts = CountContexts(c.contexts, 64);
  ContextBitVectors vectors(counts);
  c.contexts[4321] = 200;
  std::vector<uint64_t> out(BitWords(5000));
  EXPECT_EQ(GetErrorCode(MergeByContext(vectors, c.contexts, out.data())),
            ErrorCode::kCorruptPayload);
}

}  // namespace
}  // namespace gradcodec::internal
