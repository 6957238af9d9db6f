#include "codec/entropy/plane_group_masks.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "codec/entropy/cpu_features.h"

namespace gradcodec::internal {
namespace {

using Planes = std::array<uint64_t, kGroupedPlanes>;

// The masks as their definition reads: each bit's context from the planes
// one bit at a time, its group looked up, the group's mask bit set.
std::vector<uint64_t> ReferenceMasks(const Planes& planes,
                                     const std::vector<uint8_t>& group_of,
                                     int group_bits) {
  std::vector<uint64_t> masks(size_t{1} << group_bits, 0);
  for (int i = 0; i < 64; ++i) {
    uint32_t context = 0;
    for (int k = 0; k < kGroupedPlanes; ++k) {
      context |= static_cast<uint32_t>((planes[k] >> i) & 1) << k;
    }
    masks[group_of[context]] |= uint64_t{1} << i;
  }
  return masks;
}

// `plane_count` random planes (the rest zero) and a random table of groups
// below 2^group_bits for the 2^plane_count contexts.
struct Case {
  Planes planes{};
  std::vector<uint8_t> group_of;
};

Case MakeCase(uint32_t plane_count, int group_bits, std::mt19937_64& rng) {
  Case c;
  for (uint32_t k = 0; k < plane_count; ++k) c.planes[k] = rng();
  c.group_of.assign(size_t{1} << kGroupedPlanes, 0);
  for (uint32_t context = 0; context < (1u << plane_count); ++context) {
    c.group_of[context] =
        static_cast<uint8_t>(rng() & ((uint64_t{1} << group_bits) - 1));
  }
  return c;
}

template <int kGroupBits>
void ExpectWordMasksLikeReference(const Case& c, uint32_t plane_count,
                                  const std::string& label) {
  const PlaneGroupFunctions functions =
      MakePlaneGroupFunctions(c.group_of.data(), plane_count);
  uint64_t masks[1 << kGroupBits];
  PlaneGroupMasks<kGroupBits>(c.planes.data(), functions, masks);
  const std::vector<uint64_t> expected =
      ReferenceMasks(c.planes, c.group_of, kGroupBits);
  for (size_t g = 0; g < expected.size(); ++g) {
    EXPECT_EQ(masks[g], expected[g]) << label << " group " << g;
  }
}

template <int kGroupBits>
void CheckEveryPlaneCount(std::mt19937_64& rng) {
  for (uint32_t plane_count = 0; plane_count <= kGroupedPlanes; ++plane_count) {
    for (int trial = 0; trial < 50; ++trial) {
      const Case c = MakeCase(plane_count, kGroupBits, rng);
      ExpectWordMasksLikeReference<kGroupBits>(
          c, plane_count,
          "group_bits=" + std::to_string(kGroupBits) + " planes=" +
              std::to_string(plane_count) + " trial=" + std::to_string(trial));
    }
  }
}

// Every group bit count the merge asks for, every plane count, random
// planes and tables: the masks of one word are those of the contexts'
// groups (so every one of the 16 functions of planes 0 and 1 is used).
TEST(PlaneGroupMasksTest, WordMasksAreTheGroupsOfTheContexts) {
  std::mt19937_64 rng(41);
  CheckEveryPlaneCount<0>(rng);
  CheckEveryPlaneCount<1>(rng);
  CheckEveryPlaneCount<2>(rng);
  CheckEveryPlaneCount<3>(rng);
  CheckEveryPlaneCount<4>(rng);
  CheckEveryPlaneCount<6>(rng);
}

// Each context its own group: the masks are the contexts' minterms, one
// bit set in each where the planes spell its number.
TEST(PlaneGroupMasksTest, ContextsAsTheirOwnGroupsGiveTheirMinterms) {
  std::vector<uint8_t> identity(size_t{1} << kGroupedPlanes);
  for (size_t c = 0; c < identity.size(); ++c) {
    identity[c] = static_cast<uint8_t>(c);
  }
  Planes planes{};
  for (int i = 0; i < 64; ++i) {
    for (int k = 0; k < kGroupedPlanes; ++k) {
      planes[k] |= static_cast<uint64_t>((i >> k) & 1) << i;
    }
  }
  const PlaneGroupFunctions functions =
      MakePlaneGroupFunctions(identity.data(), kGroupedPlanes);
  uint64_t masks[64];
  PlaneGroupMasks<6>(planes.data(), functions, masks);
  for (int c = 0; c < 64; ++c) EXPECT_EQ(masks[c], uint64_t{1} << c) << c;
}

#if defined(__x86_64__)
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void VectorMasks(
    const std::array<Planes, 4>& words, const PlaneGroupFunctions& functions,
    uint64_t* masks /* 8 groups x 4 words */) {
  __m256i planes[kGroupedPlanes];
  for (int k = 0; k < kGroupedPlanes; ++k) {
    planes[k] = _mm256_setr_epi64x(
        static_cast<int64_t>(words[0][k]), static_cast<int64_t>(words[1][k]),
        static_cast<int64_t>(words[2][k]), static_cast<int64_t>(words[3][k]));
  }
  __m256i out[8];
  PlaneGroupMasks<3>(planes, functions, out);
  for (int g = 0; g < 8; ++g) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(masks + 4 * g), out[g]);
  }
}

// On vectors of four words, as the AVX2 merge evaluates them, each lane
// gets its own word's masks.
TEST(PlaneGroupMasksTest, VectorLanesAreTheirWordsMasks) {
  if (!CpuHasAvx2Bmi2()) GTEST_SKIP() << "no AVX2 and BMI2 on this CPU";
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 100; ++trial) {
    const Case first = MakeCase(kGroupedPlanes, 3, rng);
    std::array<Planes, 4> words{};
    for (Planes& word : words) {
      for (uint64_t& plane : word) plane = rng();
    }
    const PlaneGroupFunctions functions =
        MakePlaneGroupFunctions(first.group_of.data(), kGroupedPlanes);
    uint64_t masks[32];
    VectorMasks(words, functions, masks);
    for (int lane = 0; lane < 4; ++lane) {
      const std::vector<uint64_t> expected =
          ReferenceMasks(words[lane], first.group_of, 3);
      for (int g = 0; g < 8; ++g) {
        EXPECT_EQ(masks[4 * g + lane], expected[g])
            << "trial " << trial << " lane " << lane << " group " << g;
      }
    }
  }
}

#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // as context_split.cc
#endif
__attribute__((
    target("avx2,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,"
           "avx512vl,avx512vbmi"))) void
WideVectorMasks(const std::array<Planes, 8>& words,
                const PlaneGroupFunctions& functions,
                uint64_t* masks /* 8 groups x 8 words */) {
  __m512i planes[kGroupedPlanes];
  for (int k = 0; k < kGroupedPlanes; ++k) {
    uint64_t lanes[8];
    for (int w = 0; w < 8; ++w) lanes[w] = words[w][k];
    planes[k] = _mm512_loadu_si512(lanes);
  }
  __m512i out[8];
  PlaneGroupMasks<3>(planes, functions, out);
  for (int g = 0; g < 8; ++g) _mm512_storeu_si512(masks + 8 * g, out[g]);
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// On vectors of eight words, as the AVX-512 merge evaluates them with
// functions for their wider slots, each lane gets its own word's masks.
TEST(PlaneGroupMasksTest, WideVectorLanesAreTheirWordsMasks) {
  if (!CpuHasAvx512Vbmi()) GTEST_SKIP() << "no AVX-512 VBMI on this CPU";
  std::mt19937_64 rng(43);
  for (int trial = 0; trial < 100; ++trial) {
    const Case first = MakeCase(kGroupedPlanes, 3, rng);
    std::array<Planes, 8> words{};
    for (Planes& word : words) {
      for (uint64_t& plane : word) plane = rng();
    }
    const PlaneGroupFunctions functions = MakePlaneGroupFunctions(
        first.group_of.data(), kGroupedPlanes, kWidePairSlotBytes);
    uint64_t masks[64];
    WideVectorMasks(words, functions, masks);
    for (int lane = 0; lane < 8; ++lane) {
      const std::vector<uint64_t> expected =
          ReferenceMasks(words[lane], first.group_of, 3);
      for (int g = 0; g < 8; ++g) {
        EXPECT_EQ(masks[8 * g + lane], expected[g])
            << "trial " << trial << " lane " << lane << " group " << g;
      }
    }
  }
}
#endif

}  // namespace
}  // namespace gradcodec::internal
