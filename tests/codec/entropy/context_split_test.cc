#include "codec/entropy/context_split.h"

#include <random>
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
        const std::vector<uint64_t> counts =
            CountContexts(c.contexts, c.context_count);
        ContextBitVectors fast(counts), portable(counts);
        SplitByContext(c.bits.data(), c.contexts, fast);
        SplitByContextPortable(c.bits.data(), c.contexts, portable);
        for (uint32_t k = 0; k < contexts; ++k) {
          ASSERT_TRUE(std::equal(fast.words(k),
                                 fast.words(k) + BitWords(counts[k]),
                                 portable.words(k)))
              << "n=" << n << " contexts=" << contexts << " runs=" << runs
              << " context " << k;
        }
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
