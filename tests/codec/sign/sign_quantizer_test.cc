#include "codec/sign/sign_quantizer.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "codec/entropy/cpu_features.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

uint64_t Next(uint64_t& state) {
  state = state * 6364136223846793005ull + 1442695040888963407ull;
  return state >> 11;
}

std::vector<uint64_t> RandomSigns(uint64_t count, uint64_t& state) {
  std::vector<uint64_t> signs((count + 63) / 64);
  for (uint64_t& word : signs) word = Next(state) ^ (Next(state) << 32);
  if (count % 64 != 0) signs.back() &= (uint64_t{1} << (count % 64)) - 1;
  return signs;
}

// Floats 64-byte aligned, so that offsets from the start pick the
// alignment of a pointer.
struct AlignedFloats {
  explicit AlignedFloats(uint64_t count)
      : data(static_cast<float*>(
            std::aligned_alloc(64, (count * 4 + 63) / 64 * 64))) {}
  ~AlignedFloats() { std::free(data); }
  float* data;
};

std::vector<uint32_t> Bits(const float* v, uint64_t count) {
  std::vector<uint32_t> bits(count);
  for (uint64_t i = 0; i < count; ++i) bits[i] = std::bit_cast<uint32_t>(v[i]);
  return bits;
}

// SubtractSignedScale writes the same error memory on the vector path
// (where the CPU has it) as on the portable one, for 0 to 300
// coordinates, p at every alignment, `out` at every alignment with plain
// stores and at both 16-byte ones with streaming stores.
TEST(SignQuantizerTest, VectorAndPortableSubtractAlike) {
  constexpr uint64_t kMaxCount = 300;
  uint64_t state = 3;
  AlignedFloats p(kMaxCount + 8), vector_out(kMaxCount + 8),
      portable_out(kMaxCount + 8);
  for (uint64_t i = 0; i < kMaxCount + 8; ++i) {
    p.data[i] = (static_cast<float>(Next(state) % 2001) - 1000.0f) / 997.0f;
  }
  for (uint64_t count = 0; count <= kMaxCount; ++count) {
    const std::vector<uint64_t> signs = RandomSigns(count, state);
    for (uint64_t p_offset = 0; p_offset < 4; ++p_offset) {
      for (uint64_t out_offset = 0; out_offset < 8; ++out_offset) {
        for (bool stream : {false, true}) {
          if (stream && out_offset % 4 != 0) continue;  // needs 16 bytes
          float* const vector = vector_out.data + out_offset;
          float* const portable = portable_out.data + out_offset;
          SubtractSignedScale(p.data + p_offset, signs.data(), count, 0.375f,
                              vector, stream);
          {
            ScopedPortablePathsForTesting portable_paths;
            SubtractSignedScale(p.data + p_offset, signs.data(), count, 0.375f,
                                portable, stream);
          }
          FinishStreamingStores();
          ASSERT_EQ(Bits(vector, count), Bits(portable, count))
              << count << " " << p_offset << " " << out_offset << " " << stream;
        }
      }
    }
  }
}

// Random block boundaries over `count` coordinates (blocks of 1 to
// `max_block`), with a scale each.
void RandomBlocks(uint64_t count, uint64_t& state,
                  std::vector<uint64_t>* starts, std::vector<float>* scales,
                  uint64_t max_block = 40) {
  starts->assign(1, 0);
  scales->clear();
  while (starts->back() < count) {
    starts->push_back(
        std::min(count, starts->back() + 1 + Next(state) % max_block));
    scales->push_back(static_cast<float>(1 + Next(state) % 1000) / 256.0f);
  }
}

// The vector paths as dispatched and, where the machine has AVX-512 ones,
// the AVX2 paths forced, each against the portable one.
void ExpectReconstructionsAlike(const std::vector<uint64_t>& signs,
                                uint64_t count,
                                const std::vector<uint64_t>& starts,
                                const std::vector<float>& scales, float* vector,
                                float* portable) {
  {
    ScopedPortablePathsForTesting portable_paths;
    ReconstructSigns(signs.data(), count, starts, scales, portable);
  }
  for (const bool avx2 : {false, true}) {
    std::optional<ScopedAvx2PathsForTesting> avx2_paths;
    if (avx2) avx2_paths.emplace();
    ReconstructSigns(signs.data(), count, starts, scales, vector);
    ASSERT_EQ(Bits(vector, count), Bits(portable, count))
        << count << " coordinates, " << starts.size() << " starts"
        << (avx2 ? " (AVX2)" : "");
  }
}

// The code paths a test runs: as dispatched, the AVX2 ones forced (on a
// machine with AVX-512 ones), the portable ones forced.
enum class Paths { kDispatched, kAvx2, kPortable };
constexpr Paths kEveryPaths[] = {Paths::kDispatched, Paths::kAvx2,
                                 Paths::kPortable};

class ScopedPaths {
 public:
  explicit ScopedPaths(Paths paths) {
    if (paths == Paths::kAvx2) avx2_.emplace();
    if (paths == Paths::kPortable) portable_.emplace();
  }

 private:
  std::optional<ScopedAvx2PathsForTesting> avx2_;
  std::optional<ScopedPortablePathsForTesting> portable_;
};

// Writes `count` coordinates through PiecewiseReconstruction in ranges of
// word multiples (as a merge tells of its words), 0 to 5 words each, and
// checks every float against the definition: the block's scale with the
// coordinate's sign.
void ExpectPiecesReconstruct(const std::vector<uint64_t>& signs, uint64_t count,
                             const std::vector<uint64_t>& starts,
                             const std::vector<float>& scales, float* out,
                             uint64_t& state) {
  std::fill(out, out + count, 0.0f);
  {
    PiecewiseReconstruction pieces(count, starts, scales, out);
    uint64_t word = 0;
    while (64 * word < count) {
      const uint64_t next = word + Next(state) % 6;
      pieces.Write(signs.data(), 64 * word, 64 * next);
      word = next;
    }
  }
  size_t block = 0;
  for (uint64_t i = 0; i < count; ++i) {
    while (!starts.empty() && starts[block + 1] <= i) ++block;
    const float scale = starts.empty() ? 1.0f : scales[block];
    const bool negative = ((signs[i / 64] >> (i % 64)) & 1) != 0;
    ASSERT_EQ(std::bit_cast<uint32_t>(out[i]),
              std::bit_cast<uint32_t>(negative ? -scale : scale))
        << "coordinate " << i << " of " << count << ", " << starts.size()
        << " block starts";
  }
}

// ReconstructSigns writes the same floats on both paths, with blocks and
// without (method sign), for 0 to 300 coordinates and `out` at every
// alignment.
TEST(SignQuantizerTest, VectorAndPortableReconstructAlike) {
  constexpr uint64_t kMaxCount = 300;
  uint64_t state = 5;
  AlignedFloats vector_out(kMaxCount + 8), portable_out(kMaxCount + 8);
  for (uint64_t count = 0; count <= kMaxCount; ++count) {
    const std::vector<uint64_t> signs = RandomSigns(count, state);
    std::vector<uint64_t> starts;
    std::vector<float> scales;
    RandomBlocks(count, state, &starts, &scales);
    for (uint64_t offset = 0; offset < 8; ++offset) {
      ExpectReconstructionsAlike(signs, count, starts, scales,
                                 vector_out.data + offset,
                                 portable_out.data + offset);
      ExpectReconstructionsAlike(signs, count, {}, {}, vector_out.data + offset,
                                 portable_out.data + offset);
    }
  }
}

// Large enough for streaming stores, from a 16- but not 32-byte aligned
// `out`, with blocks that start anywhere: ReconstructSigns alike on both
// paths, and in pieces on each.
TEST(SignQuantizerTest, ReconstructionsWithStreamingStores) {
  const uint64_t count = kStreamingStoreFloats + 13;
  uint64_t state = 9;
  const std::vector<uint64_t> signs = RandomSigns(count, state);
  std::vector<uint64_t> starts;
  std::vector<float> scales;
  RandomBlocks(count, state, &starts, &scales, 300);
  AlignedFloats vector_out(count + 4), portable_out(count + 4);
  ASSERT_TRUE(UseStreamingStores(vector_out.data + 4, count));
  ExpectReconstructionsAlike(signs, count, starts, scales, vector_out.data + 4,
                             portable_out.data + 4);
  ExpectReconstructionsAlike(signs, count, {}, {}, vector_out.data + 4,
                             portable_out.data + 4);
  for (const Paths paths : kEveryPaths) {
    const ScopedPaths scoped(paths);
    ExpectPiecesReconstruct(signs, count, starts, scales, vector_out.data + 4,
                            state);
  }
}

// Pieces give the reconstruction on both paths, with blocks (some empty,
// as an empty tensor's) that pieces start and end inside, and without,
// for 0 to 300 coordinates.
TEST(SignQuantizerTest, PiecewiseReconstructionWritesEveryBlockInPieces) {
  constexpr uint64_t kMaxCount = 300;
  uint64_t state = 11;
  AlignedFloats out(kMaxCount);
  for (const Paths paths : kEveryPaths) {
    const ScopedPaths scoped(paths);
    for (uint64_t count = 0; count <= kMaxCount; ++count) {
      const std::vector<uint64_t> signs = RandomSigns(count, state);
      std::vector<uint64_t> starts;
      std::vector<float> scales;
      RandomBlocks(count, state, &starts, &scales);
      // Empty blocks (as of empty tensors) first, in the middle and last.
      if (starts.size() > 2) {
        starts.insert(starts.begin() + 1, starts[1]);
        scales.insert(scales.begin() + 1, 99.0f);
      }
      starts.insert(starts.begin(), 0);
      scales.insert(scales.begin(), 98.0f);
      starts.push_back(count);
      scales.push_back(97.0f);
      ExpectPiecesReconstruct(signs, count, starts, scales, out.data, state);
      ExpectPiecesReconstruct(signs, count, {}, {}, out.data, state);
    }
  }
}

}  // namespace
}  // namespace gradcodec::internal
