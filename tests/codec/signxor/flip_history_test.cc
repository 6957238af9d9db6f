#include "codec/signxor/flip_history.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "codec/entropy/context_bit_coder.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

// Deterministic flip vectors, denser in some stretches than others.
std::vector<uint64_t> Flips(uint64_t count, uint64_t seed) {
  std::vector<uint64_t> words(BitWords(count), 0);
  uint64_t state = seed;
  for (uint64_t i = 0; i < count; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t threshold = (i / 100) % 2 == 0 ? 20 : 50;  // percent
    if ((state >> 33) % 100 < threshold) words[i / 64] |= uint64_t{1} << (i % 64);
  }
  return words;
}

// AdvanceContexts after each Push gives the bytes Contexts builds from the
// planes, for every history length, over sizes with a vector part, a
// scalar tail, and neither.
TEST(FlipHistoryTest, AdvancedContextsEqualContextsFromThePlanes) {
  for (uint64_t count : {0ull, 1ull, 31ull, 32ull, 63ull, 64ull, 65ull, 100ull,
                         1000ull, 5000ull}) {
    for (uint32_t bits = 0; bits <= kFlipHistoryBits; ++bits) {
      FlipHistory history;
      history.Reset(count);
      std::vector<uint8_t> advanced(count), expected(count);
      history.Contexts(bits, advanced.data());
      for (uint64_t step = 0; step < 10; ++step) {
        std::vector<uint64_t> flips = Flips(count, 17 * step + bits);
        history.Push(flips);
        // In pieces of every alignment, as the encoder's runs come, some
        // long enough for several 64-context vector steps.
        for (uint64_t first = 0; first < count;) {
          const uint64_t piece =
              std::min<uint64_t>(count - first, 1 + (first * 7 + step) % 257);
          history.AdvanceContexts(bits, first, piece, advanced.data());
          first += piece;
        }
        history.Contexts(bits, expected.data());
        ASSERT_EQ(advanced, expected)
            << "count " << count << " bits " << bits << " step " << step;
      }
    }
  }
}

}  // namespace
}  // namespace gradcodec::internal
