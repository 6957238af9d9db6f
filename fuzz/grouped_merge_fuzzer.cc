// Fuzz target: the merge of a grouped_flips section's group vectors by the
// flip histories' planes (MergeByContextPlanes with a group table, which a
// signxor decoder runs on every delta), differentially: the vector merges,
// which form the group masks bit-sliced from the planes
// (codec/entropy/plane_group_masks.h) eight words at a time on AVX-512
// and four on AVX2 (both run where the machine has AVX-512), against the
// portable one, which maps the planes to bytes. codec_decoder reaches this
// merge only behind a valid packet, and rarely with other than 3 or 6 mask
// planes.
//
// Input: u8 plane_count (mod 7), u8 group_count - 1 (mod 64), u16
// coordinate count, u8 flags, then 2^plane_count table bytes (each mod
// group_count + 1, so that an entry can be one past the count, which the
// merge must refuse where a coordinate uses it), then bytes that seed the
// planes and the vectors' bits. The vectors hold each group's count of
// coordinates, unless flag bit 0 moves a seeded number of bits between two
// groups (which both merges must refuse).
//
// Aborts when the merges disagree on success, on the error code or on a
// bit; when one tells of its words out of order, with a gap, or not all
// of them; or when a bit past the count is set.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/entropy/context_split.h"
#include "codec/entropy/cpu_features.h"
#include "codec/splitmix64.h"
#include "gradcodec/error_code.h"

namespace {

using gradcodec::internal::BitWords;
using gradcodec::internal::ContextBitVectors;
using gradcodec::internal::ContextPlanes;

struct Merged {
  absl::Status status;
  std::vector<uint64_t> words;
};

// One merge, its told ranges checked: in order, without gaps, and on
// success every word.
Merged Merge(const ContextBitVectors& vectors, const ContextPlanes& planes) {
  Merged out;
  out.words.assign(BitWords(planes.count), 0);
  uint64_t told = 0;
  out.status = gradcodec::internal::MergeByContextPlanes(
      vectors, planes, out.words.data(), [&](uint64_t first, uint64_t end) {
        if (first != told || end <= first || end > out.words.size()) {
          std::abort();
        }
        told = end;
      });
  if (out.status.ok() && told != out.words.size()) std::abort();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gradcodec;
  if (size < 5) return 0;
  const uint32_t plane_count = data[0] % 7;
  const uint32_t group_count = data[1] % 64 + 1;
  const uint64_t n = data[2] | (uint64_t{data[3]} << 8);
  const uint8_t flags = data[4];
  const size_t table_size = size_t{1} << plane_count;
  if (size < 5 + table_size) return 0;
  std::vector<uint8_t> group_of(internal::kMaxGroupedContexts, 0);
  for (size_t c = 0; c < table_size; ++c) {
    group_of[c] = static_cast<uint8_t>(data[5 + c] % (group_count + 1));
  }
  const uint8_t* const rest = data + 5 + table_size;
  const size_t rest_size = size - 5 - table_size;
  uint64_t seed = 0;
  for (size_t i = 0; i < rest_size; ++i) seed = seed * 131 + rest[i];
  internal::SplitMix64 random(seed);

  // The planes: the input's bytes (cycled) mixed with the seeded stream,
  // zero past the count.
  const uint64_t words = BitWords(n);
  std::vector<std::vector<uint64_t>> storage(plane_count,
                                             std::vector<uint64_t>(words));
  ContextPlanes planes;
  planes.plane_count = plane_count;
  planes.count = n;
  planes.group_of = group_of.data();
  for (uint32_t k = 0; k < plane_count; ++k) {
    for (uint64_t w = 0; w < words; ++w) {
      uint64_t word = random.Next();
      if (rest_size != 0) word ^= rest[(k * words + w) % rest_size];
      storage[k][w] = word;
    }
    if ((n & 63) != 0) storage[k][words - 1] &= (uint64_t{1} << (n & 63)) - 1;
    planes.planes[k] = storage[k].data();
  }

  // Each group's count of coordinates (those of a group past the count in
  // none), optionally moved between two groups.
  std::vector<uint8_t> groups(n);
  internal::ContextsFromPlanes(planes, groups.data());
  std::vector<uint64_t> counts(group_count, 0);
  for (const uint8_t group : groups) {
    if (group < group_count) ++counts[group];
  }
  if ((flags & 1) != 0 && group_count > 1) {
    const uint32_t from = (flags >> 1) % group_count;
    const uint32_t to = (from + 1) % group_count;
    const uint64_t moved = std::min<uint64_t>(counts[from], 1 + (flags >> 4));
    counts[from] -= moved;
    counts[to] += moved;
  }
  ContextBitVectors vectors(counts);
  for (uint32_t g = 0; g < group_count; ++g) {
    uint64_t* const bits = vectors.words(g);
    for (uint64_t w = 0; w < BitWords(counts[g]); ++w) bits[w] = random.Next();
    if ((counts[g] & 63) != 0) {
      bits[BitWords(counts[g]) - 1] &= (uint64_t{1} << (counts[g] & 63)) - 1;
    }
  }

  const Merged dispatched = Merge(vectors, planes);
  Merged avx2, portable;
  {
    internal::ScopedAvx2PathsForTesting avx2_paths;
    avx2 = Merge(vectors, planes);
  }
  {
    internal::ScopedPortablePathsForTesting portable_paths;
    portable = Merge(vectors, planes);
  }
  // (A failed merge leaves its words unspecified.)
  if (avx2.status.ok() != dispatched.status.ok() ||
      GetErrorCode(avx2.status) != GetErrorCode(dispatched.status) ||
      (avx2.status.ok() && avx2.words != dispatched.words)) {
    std::abort();
  }
  if (dispatched.status.ok() != portable.status.ok()) std::abort();
  if (!dispatched.status.ok()) {
    if (GetErrorCode(dispatched.status) != GetErrorCode(portable.status) ||
        GetErrorCode(dispatched.status) == ErrorCode::kInternal) {
      std::abort();
    }
    return 0;
  }
  if (dispatched.words != portable.words) std::abort();
  if ((n & 63) != 0 && (dispatched.words.back() >> (n & 63)) != 0) {
    std::abort();
  }
  return 0;
}
