#include "codec/entropy/context_split.h"

#include <random>
#include <string>
#include <vector>

#include "codec/entropy/context_bit_coder.h"
#include "gradcodec/error_code.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

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

// The dispatched split (AVX2 where available) gives the portable one's
// vectors, word for word, spare word included.
void ExpectSplitsAgree(const Case& c, const std::string& label) {
  const std::vector<uint64_t> counts =
      CountContexts(c.contexts, c.context_count);
  ContextBitVectors fast(counts), portable(counts);
  SplitByContext(c.bits.data(), c.contexts, fast);
  SplitByContextPortable(c.bits.data(), c.contexts, portable);
  for (uint32_t k = 0; k < c.context_count; ++k) {
    ASSERT_TRUE(std::equal(fast.words(k),
                           fast.words(k) + BitWords(counts[k]) + 1,
                           portable.words(k)))
        << label << " context " << k;
  }
}

// Contexts as bit planes (PlanesFromContexts), with their storage.
struct StoredPlanes {
  StoredPlanes(const std::vector<uint8_t>& contexts, uint32_t plane_count)
      : storage(plane_count,
                std::vector<uint64_t>(BitWords(contexts.size()), 0)) {
    std::vector<uint64_t*> pointers;
    for (auto& plane : storage) pointers.push_back(plane.data());
    PlanesFromContexts(contexts, plane_count, pointers.data());
    for (uint32_t k = 0; k < plane_count; ++k) {
      planes.planes[k] = storage[k].data();
    }
    planes.plane_count = plane_count;
    planes.count = contexts.size();
  }
  std::vector<std::vector<uint64_t>> storage;
  ContextPlanes planes;
};

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
        const std::vector<uint64_t> counts =
            CountContexts(c.contexts, c.context_count);
        ContextBitVectors fast(counts);
        SplitByContext(c.bits.data(), c.contexts, fast);
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

// Contexts as bit planes: the same contexts as their bytes, and the same
// merge, at every tail length and plane count.
TEST(ContextSplitTest, PlanesMergeLikeBytes) {
  uint64_t seed = 500;
  for (size_t n : {0, 1, 63, 64, 65, 1000, 4097, 100003}) {
    for (uint32_t plane_count : {0u, 1u, 3u, 6u, 7u}) {
      for (bool runs : {false, true}) {
        const Case c = MakeCase(n, 1u << plane_count, seed++, runs);
        const StoredPlanes stored(c.contexts, plane_count);
        const ContextPlanes& planes = stored.planes;
        std::vector<uint8_t> contexts(n);
        ContextsFromPlanes(planes, contexts.data());
        ASSERT_EQ(contexts, c.contexts) << "n=" << n;
        ContextBitVectors vectors(CountContexts(c.contexts, c.context_count));
        SplitByContextPortable(c.bits.data(), c.contexts, vectors);
        std::vector<uint64_t> merged(BitWords(n), ~uint64_t{0});
        ASSERT_TRUE(MergeByContextPlanes(vectors, planes, merged.data()).ok());
        EXPECT_EQ(merged, c.bits) << "n=" << n << " planes=" << plane_count;
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
