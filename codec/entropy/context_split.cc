#include "codec/entropy/context_split.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "codec/entropy/byte_lookup_avx2.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/entropy/cpu_features.h"
#include "codec/entropy/plane_group_masks.h"
#include "codec/entropy/spread_bits_avx2.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {

namespace {

absl::Status ContextTooShort(uint32_t context) {
  return MakeError(ErrorCode::kCorruptPayload,
                   absl::StrCat("context ", context,
                                " has fewer bits than the contexts use"));
}

absl::Status ContextTooLong(uint32_t context, uint64_t extra) {
  return MakeError(ErrorCode::kCorruptPayload,
                   absl::StrCat("context ", context, " has ", extra,
                                " bits more than the contexts use"));
}

}  // namespace

ContextBitVectors::ContextBitVectors(absl::Span<const uint64_t> counts) {
  Reset(counts);
}

void ContextBitVectors::Reset(absl::Span<const uint64_t> counts) {
  counts_.assign(counts.begin(), counts.end());
  offsets_.resize(counts.size());
  uint64_t total = 0;
  for (size_t c = 0; c < counts.size(); ++c) {
    offsets_[c] = total;
    // One spare word per context: the branch-free split and merge loops
    // store and load one word past a context's last.
    total += BitWords(counts[c]) + 1;
  }
  storage_.assign(total, 0);
}

// A fresh buffer's capacity in words: two blocks of the split's groups
// (kSplitBlockGroups), so that a context that gets few bits never grows
// (the split makes room for a whole block's bits beyond what a context
// holds before each block).
constexpr uint64_t kFirstCapacityWords = 2 * 64;

void GrowingContextBitVectors::Start(uint32_t context_count,
                                     uint64_t bit_count) {
  // Capacities only grow, up to what each context took at most; should
  // they add up to far more than the largest stream asked (contexts that
  // took turns at holding most bits), start afresh rather than keep
  // several streams' worth per thread.
  largest_bit_count_ = std::max(largest_bit_count_, bit_count);
  uint64_t held = 0;
  for (const Buffer& buffer : buffers_) held += buffer.capacity;
  if (held > 4 * BitWords(largest_bit_count_) +
                 buffers_.size() * kFirstCapacityWords) {
    buffers_.clear();
  }
  if (buffers_.size() < context_count) buffers_.resize(context_count);
  counts_.assign(context_count, 0);
  for (uint32_t c = 0; c < context_count; ++c) {
    if (buffers_[c].capacity == 0) Reserve(c, 0, kFirstCapacityWords * 64);
    buffers_[c].words[0] = 0;
  }
}

uint64_t* GrowingContextBitVectors::Reserve(uint32_t c, uint64_t kept,
                                            uint64_t bits) {
  Buffer& buffer = buffers_[c];
  const uint64_t needed = BitWords(bits);
  if (needed > buffer.capacity) {
    // Doubling keeps the copies of a context that grows from nothing to
    // its share of a stream within twice its final size.
    const uint64_t capacity = std::max(needed, 2 * buffer.capacity);
    std::unique_ptr<uint64_t[]> words(new uint64_t[capacity + 1]);
    // The word that holds bit `kept` too: the split ORs the next bits
    // into it.
    if (buffer.capacity != 0) {
      std::memcpy(words.get(), buffer.words.get(),
                  std::min(kept / 64 + 1, buffer.capacity + 1) * 8);
    }
    buffer.words = std::move(words);
    buffer.capacity = capacity;
  }
  return buffer.words.get();
}

void GrowingContextBitVectors::Finish(const uint64_t* counts) {
  for (uint32_t c = 0; c < context_count(); ++c) {
    counts_[c] = counts[c];
    // Zero past the end: the splits leave the bits after the last one in
    // its word zero, but not always the word after it.
    buffers_[c].words[BitWords(counts[c])] = 0;
  }
}

namespace {

// Byte k of kSpread[b] is bit k of b.
constexpr std::array<uint64_t, 256> MakeSpread() {
  std::array<uint64_t, 256> table{};
  for (int b = 0; b < 256; ++b) {
    for (int k = 0; k < 8; ++k) {
      table[b] |= static_cast<uint64_t>((b >> k) & 1) << (8 * k);
    }
  }
  return table;
}
constexpr std::array<uint64_t, 256> kSpread = MakeSpread();

// The context of bit i from the planes (its group, with groups).
uint32_t PlaneContext(const ContextPlanes& planes, uint64_t i) {
  uint32_t context = 0;
  for (uint32_t k = 0; k < planes.plane_count; ++k) {
    context |= static_cast<uint32_t>((planes.planes[k][i >> 6] >> (i & 63)) & 1)
               << k;
  }
  return planes.group_of != nullptr ? planes.group_of[context] : context;
}

}  // namespace

#if defined(__x86_64__)
namespace {

// The 64 context bytes of a group of coordinates as two vectors.
struct GroupBytes {
  __m256i low;
  __m256i high;
};

// The group table of `planes` (zeros when it has none). Its entries past
// 2^plane_count are never looked up: the planes' values are below it.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) ByteTable64 PlaneGroupTable(
    const ContextPlanes& planes) {
  alignas(32) uint8_t table[kMaxGroupedContexts] = {};
  if (planes.group_of != nullptr) {
    std::copy_n(planes.group_of, size_t{1} << planes.plane_count, table);
  }
  return LoadByteTable64(table);
}

// The contexts (groups, with groups) of the 64 coordinates of plane word
// w, a byte each: the planes spread to bytes (SpreadWord) and taken in
// Horner-wise from the top one down (twice the bytes, minus the 0xFF,
// adds a plane's bit). Spreading each half of a plane from a register and
// ORing in the plane's bit value took twice the instructions per plane.
// (The grouped merge, which once took its masks from these bytes, now
// forms them from the planes directly: plane_group_masks.h.)
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline GroupBytes
PlaneWordContexts(const ContextPlanes& planes, uint64_t w,
                  const ByteTable64& groups) {
  GroupBytes bytes{_mm256_setzero_si256(), _mm256_setzero_si256()};
  for (uint32_t k = planes.plane_count; k-- > 0;) {
    const SpreadBytes set = SpreadWord(planes.planes[k][w]);
    bytes.low = _mm256_sub_epi8(_mm256_add_epi8(bytes.low, bytes.low), set.low);
    bytes.high =
        _mm256_sub_epi8(_mm256_add_epi8(bytes.high, bytes.high), set.high);
  }
  if (planes.group_of != nullptr) {
    bytes.low = LookUpBytes64(groups, bytes.low);
    bytes.high = LookUpBytes64(groups, bytes.high);
  }
  return bytes;
}

// Contexts (groups, with groups) of coordinates [0, 64 * words), 32 per
// vector.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void ContextWordsAvx2(
    const ContextPlanes& planes, uint64_t words, uint8_t* contexts) {
  const ByteTable64 groups = PlaneGroupTable(planes);
  for (uint64_t w = 0; w < words; ++w) {
    const GroupBytes bytes = PlaneWordContexts(planes, w, groups);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(contexts + 64 * w),
                        bytes.low);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(contexts + 64 * w + 32),
                        bytes.high);
  }
}

}  // namespace
#endif

void ContextsFromPlanes(const ContextPlanes& planes, uint8_t* contexts) {
  const uint64_t n = planes.count;
  uint64_t i = 0;
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) {
    ContextWordsAvx2(planes, n / 64, contexts);
    i = n / 64 * 64;
  }
#endif
  // Eight contexts as one word: byte j gathers bit j of a byte of each
  // plane (the words are little-endian).
  for (; i + 8 <= n && planes.group_of == nullptr; i += 8) {
    uint64_t word = 0;
    for (uint32_t k = 0; k < planes.plane_count; ++k) {
      const auto* bytes = reinterpret_cast<const uint8_t*>(planes.planes[k]);
      word |= kSpread[bytes[i / 8]] << k;
    }
    std::memcpy(contexts + i, &word, 8);
  }
  for (; i < n; ++i) contexts[i] = static_cast<uint8_t>(PlaneContext(planes, i));
}

void PlanesFromContexts(absl::Span<const uint8_t> contexts,
                        uint32_t plane_count, uint64_t* const* planes) {
  for (size_t i = 0; i < contexts.size(); ++i) {
    for (uint32_t k = 0; k < plane_count; ++k) {
      planes[k][i >> 6] |= static_cast<uint64_t>((contexts[i] >> k) & 1)
                           << (i & 63);
    }
  }
}

// ---- Portable versions: one bit at a time. --------------------------------

// The portable split's chunk: before each, every context gets room for
// all of its bits, so that appends within it need no check.
constexpr size_t kPortableChunkBits = 4096;

void SplitByContextPortable(const uint64_t* bits,
                            absl::Span<const uint8_t> contexts,
                            uint32_t context_count,
                            GrowingContextBitVectors& vectors,
                            const uint8_t* group_of) {
  struct Sink {
    uint64_t* words;
    uint64_t written;  // whole words stored
    uint64_t accumulator;
    uint32_t filled;
  };
  // Contexts at or above context_count are a caller's bug (the encoder
  // asserts against it); split is only ever run on the encoder's own input.
  vectors.Start(context_count, contexts.size());
  std::vector<Sink> sinks(context_count);
  for (uint32_t c = 0; c < context_count; ++c) {
    sinks[c] = {vectors.mutable_words(c), 0, 0, 0};
  }
  const size_t n = contexts.size();
  for (size_t chunk = 0; chunk < n; chunk += kPortableChunkBits) {
    const size_t end = std::min(n, chunk + kPortableChunkBits);
    for (uint32_t c = 0; c < context_count; ++c) {
      Sink& sink = sinks[c];
      const uint64_t kept = 64 * sink.written;
      const uint64_t bits_after = kept + sink.filled + (end - chunk);
      if (bits_after > vectors.capacity(c)) {
        sink.words = vectors.Reserve(c, kept, bits_after);
      }
    }
    for (size_t i = chunk; i < end; ++i) {
      Sink& sink =
          sinks[group_of != nullptr ? group_of[contexts[i]] : contexts[i]];
      sink.accumulator |= ((bits[i >> 6] >> (i & 63)) & 1) << sink.filled;
      if (++sink.filled == 64) {
        sink.words[sink.written++] = sink.accumulator;
        sink.accumulator = 0;
        sink.filled = 0;
      }
    }
  }
  std::vector<uint64_t> counts(context_count);
  for (uint32_t c = 0; c < context_count; ++c) {
    Sink& sink = sinks[c];
    if (sink.filled != 0) sink.words[sink.written] = sink.accumulator;
    counts[c] = 64 * sink.written + sink.filled;
  }
  vectors.Finish(counts.data());
}

absl::Status MergeByContextPortable(const ContextBitVectors& vectors,
                                    absl::Span<const uint8_t> contexts,
                                    uint64_t* out) {
  struct Source {
    const uint64_t* in;
    uint64_t remaining;  // bits left in this context's vector
    uint64_t buffer;
    uint32_t available;
  };
  // A source per possible context value; values at or above context_count
  // have no bits, which is reported as corrupt.
  std::vector<Source> sources(kMaxContextCount, Source{nullptr, 0, 0, 0});
  for (uint32_t c = 0; c < vectors.context_count(); ++c) {
    sources[c] = {vectors.words(c), vectors.count(c), 0, 0};
  }
  const size_t n = contexts.size();
  uint64_t word = 0;
  for (size_t i = 0; i < n; ++i) {
    Source& source = sources[contexts[i]];
    if (source.available == 0) {
      if (source.remaining == 0) return ContextTooShort(contexts[i]);
      source.buffer = *source.in++;
      source.available = 64;
    }
    word |= (source.buffer & 1) << (i & 63);
    source.buffer >>= 1;
    --source.available;
    --source.remaining;
    if ((i & 63) == 63) {
      out[i >> 6] = word;
      word = 0;
    }
  }
  if ((n & 63) != 0) out[n >> 6] = word;
  for (uint32_t c = 0; c < vectors.context_count(); ++c) {
    if (sources[c].remaining != 0) return ContextTooLong(c, sources[c].remaining);
  }
  return absl::OkStatus();
}


namespace {

#if defined(__x86_64__)
// ---- AVX2 + BMI2 versions: 64 coordinates at a time. ----------------------
//
// For each group of 64 coordinates, one pass per distinct context in the
// group: compare the 64 context bytes with it (two AVX2 compares), and move
// that context's bits with PEXT (split) or PDEP (merge). Flip histories make
// most groups hold a handful of contexts, so this is a few instructions per
// coordinate instead of a dozen.

// For up to 64 contexts, the masks of every context in a group come from
// the contexts' bit planes (one movemask per plane and half) combined in a
// binary tree, with no dependency between contexts; above 64, one pass per
// distinct context in the group.
constexpr uint32_t kMaxPlaneContexts = 64;

__attribute__((target("avx2,bmi,bmi2,popcnt")))
uint64_t ContextMask(const uint8_t* contexts, uint8_t context) {
  const __m256i wanted = _mm256_set1_epi8(static_cast<char>(context));
  const __m256i low =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(contexts));
  const __m256i high =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(contexts + 32));
  const auto low_mask = static_cast<uint32_t>(
      _mm256_movemask_epi8(_mm256_cmpeq_epi8(low, wanted)));
  const auto high_mask = static_cast<uint32_t>(
      _mm256_movemask_epi8(_mm256_cmpeq_epi8(high, wanted)));
  return (static_cast<uint64_t>(high_mask) << 32) | low_mask;
}


// Bit k of the contexts of a 64-coordinate group (`low` and `high` its
// halves) as one word.
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline uint64_t
GroupPlane(__m256i low, __m256i high, int k) {
  // Bit k of every byte moved to bit 7, where movemask takes it.
  const auto plane_low =
      static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_slli_epi64(low, 7 - k)));
  const auto plane_high = static_cast<uint32_t>(
      _mm256_movemask_epi8(_mm256_slli_epi64(high, 7 - k)));
  return (static_cast<uint64_t>(plane_high) << 32) | plane_low;
}

// masks[c] = the coordinates of a 64-coordinate group whose context is c,
// for every c < 2^kPlanes, from planes[k]: the coordinates whose context
// has bit k set.
template <int kPlanes>
__attribute__((always_inline)) inline void MasksOfPlanes(const uint64_t* planes,
                                                         uint64_t* masks) {
  masks[0] = ~uint64_t{0};
#pragma GCC unroll 8
  for (int k = 0; k < kPlanes; ++k) {
    // Contexts c and c + 2^k split the coordinates that agree on bits < k.
    const int width = 1 << k;
#pragma GCC unroll 64
    for (int c = width - 1; c >= 0; --c) {
      masks[c + width] = masks[c] & planes[k];
      masks[c] &= ~planes[k];
    }
  }
}

// MasksOfPlanes of a group's context bytes (GroupBytes' two halves).
template <int kPlanes>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline void
ContextMasks(__m256i low, __m256i high, uint64_t* masks) {
  uint64_t planes[kPlanes > 0 ? kPlanes : 1];
#pragma GCC unroll 8
  for (int k = 0; k < kPlanes; ++k) planes[k] = GroupPlane(low, high, k);
  MasksOfPlanes<kPlanes>(planes, masks);
}

// ContextMasks four contexts to an instruction (kPlanes >= 2): lane i of
// vectors[j] is the mask of context 4j + i. The split tests every mask
// against 0, which from vectors needs no reload of scalar stores (a
// vector load of four word stores cannot take them from the store queue
// and waits for them to retire).
template <int kPlanes>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline void
ContextMaskVectors(__m256i low, __m256i high, __m256i* vectors) {
  // Lane i: the coordinates whose two low context bits are i, each plane
  // or its complement (XOR with all ones) as bit 0 or 1 of i asks.
  const __m256i plane0 = _mm256_set1_epi64x(
      static_cast<int64_t>(GroupPlane(low, high, 0)));
  const __m256i plane1 = _mm256_set1_epi64x(
      static_cast<int64_t>(GroupPlane(low, high, 1)));
  vectors[0] = _mm256_and_si256(
      _mm256_xor_si256(plane0, _mm256_setr_epi64x(-1, 0, -1, 0)),
      _mm256_xor_si256(plane1, _mm256_setr_epi64x(-1, -1, 0, 0)));
#pragma GCC unroll 8
  for (int k = 2; k < kPlanes; ++k) {
    const __m256i plane = _mm256_set1_epi64x(
        static_cast<int64_t>(GroupPlane(low, high, k)));
    // Contexts c and c + 2^k split the coordinates that agree on bits < k.
    const int width = 1 << (k - 2);
#pragma GCC unroll 16
    for (int j = width - 1; j >= 0; --j) {
      vectors[j + width] = _mm256_and_si256(vectors[j], plane);
      vectors[j] = _mm256_andnot_si256(plane, vectors[j]);
    }
  }
}

// A group's context bytes, each mapped through `groups` when kGrouped
// (the context groups of SplitByContextGroups).
template <bool kGrouped>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline GroupBytes
LoadGroupBytes(const uint8_t* group, const ByteTable64& groups) {
  GroupBytes bytes{
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group)),
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group + 32))};
  if constexpr (kGrouped) {
    bytes.low = LookUpBytes64(groups, bytes.low);
    bytes.high = LookUpBytes64(groups, bytes.high);
  }
  return bytes;
}

// ContextMasks into `masks`, returning the contexts the group holds: bit c
// set where masks[c] is not 0.
template <int kPlanes>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline uint64_t
HeldContextMasks(GroupBytes group, uint64_t* masks) {
  constexpr int kContexts = 1 << kPlanes;
  uint64_t held = 0;
  if constexpr (kPlanes < 2) {
    ContextMasks<kPlanes>(group.low, group.high, masks);
    for (int c = 0; c < kContexts; ++c) {
      held |= static_cast<uint64_t>(masks[c] != 0) << c;
    }
  } else {
    __m256i vectors[kContexts / 4];
    ContextMaskVectors<kPlanes>(group.low, group.high, vectors);
#pragma GCC unroll 16
    for (int j = 0; j < kContexts / 4; ++j) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(masks + 4 * j),
                          vectors[j]);
      const int empty = _mm256_movemask_pd(_mm256_castsi256_pd(
          _mm256_cmpeq_epi64(vectors[j], _mm256_setzero_si256())));
      held |= static_cast<uint64_t>(empty ^ 0xf) << (4 * j);
    }
  }
  return held;
}

// f(std::integral_constant<int, k>()) for k = `planes`, at most 6 (more
// count as 6): the plane count the mask templates take, chosen at run
// time in one place.
template <typename F>
inline auto WithPlaneCount(int planes, F&& f) {
  switch (planes) {
    case 0: return f(std::integral_constant<int, 0>());
    case 1: return f(std::integral_constant<int, 1>());
    case 2: return f(std::integral_constant<int, 2>());
    case 3: return f(std::integral_constant<int, 3>());
    case 4: return f(std::integral_constant<int, 4>());
    case 5: return f(std::integral_constant<int, 5>());
    default: return f(std::integral_constant<int, 6>());
  }
}

// A context's place in its vector for the split: the bit address of its
// next bit, so that an append is an OR into the word at that address, a
// store of the bits that spill into the next word (which holds none yet),
// and an addition, wherever the word boundary falls (hence the spare
// word). That is short enough to pay for each (group, context) pair with
// bits in it. The first word must start at 0 (the split clears it);
// appending 0 bits changes no bit, but like any append it stores the word
// after the cursor's, which must be within the buffer (MakeRoom).
//
// One word of state, not a pointer and an offset: an append then loads and
// stores one word of cursor, and forms the word's address from it with no
// addition (a scaled index), which took a sixth of the split's
// instructions. (x86-64 addresses are below 2^57, so their bit addresses
// fit.)
struct SplitCursor {
  uint64_t next;  // 8 * (the words' byte address) + bits appended

  static SplitCursor At(const uint64_t* words, uint64_t offset) {
    return {8 * reinterpret_cast<uintptr_t>(words) + offset};
  }
  // Bits appended to `words` (which the cursor must be At).
  uint64_t Offset(const uint64_t* words) const {
    return next - 8 * reinterpret_cast<uintptr_t>(words);
  }

  __attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline void
  Append(uint64_t taken, uint64_t count) {
    // The words are 8-byte aligned: bit address / 64 * 8 is the byte
    // address of the word that holds the bit.
    auto* const word = reinterpret_cast<uint64_t*>((next >> 6) << 3);
    const uint64_t shift = next & 63;
    word[0] |= taken << shift;
    // Stored, not ORed: besides the load it saves, an OR here lets the
    // compiler fuse the two into a 16-byte load and store, and a 16-byte
    // load half over the previous append's store waits for it to retire.
    // ((x >> 1) >> (63 - s) is x >> (64 - s), and 0 for s = 0.)
    word[1] = (taken >> 1) >> (63 - shift);
    next += count;
  }
};

// The plane merges work on blocks of groups: first every context's mask in
// every group of the block, then one context at a time over the block, so
// that a context's stream state stays in registers through its inner loop
// and nothing in that loop branches on the data. A block's masks take at
// most 32 KiB and stay in L1.
constexpr size_t kMaskBlockBytes = 32 * 1024;

// The grouped merge's blocks are smaller: 32 words, whose output a decoder
// writes (MergedWords) as 8 KiB of floats with streaming stores. Stores in
// bursts that small drain to memory while the next block is merged; after
// a block of 512 words (128 KiB of floats) the core sat waiting on them.
// Decode/4 on codec_bench, best of 7 alternating runs: 512 words 9.48 ms,
// 16 words 9.14 (24 words 9.14, 8 words 9.7, 4 words 11.6: the merge's
// cost per block outweighs the overlap); with the reconstruction's faster
// fill since, 16 words 9.30, 32 words 9.01 (48 9.12, 64 9.17, 128 9.31).
constexpr size_t kGroupedBlockWords = 32;

// The masks of every context in groups [first, first + size), group after
// group, kContexts masks each.
template <int kPlanes>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline void
BlockMasks(const uint8_t* contexts, size_t first, size_t size,
           uint64_t* masks) {
  for (size_t g = 0; g < size; ++g) {
    const uint8_t* const group = contexts + (first + g) * 64;
    ContextMasks<kPlanes>(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group)),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group + 32)),
        masks + g * (size_t{1} << kPlanes));
  }
}

// Where a block of `size` groups keeps context c's mask of group g: group
// after group, kContexts masks each (BlockMasks), or with kContextMajor
// context after context, `size` masks each (MergeBlockOfGroups).
template <uint32_t kContexts, bool kContextMajor>
inline size_t MaskIndex(size_t g, uint32_t c, size_t size) {
  return kContextMajor ? c * size + g : g * kContexts + c;
}

// Whether context c has a coordinate in any group of a block of masks.
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline bool
AnyInBlock(const uint64_t* masks, size_t size, uint32_t contexts, uint32_t c) {
  uint64_t any = 0;
  for (size_t g = 0; g < size; ++g) any |= masks[g * contexts + c];
  return any != 0;
}

// The planes a block of contexts needs: the bit width of its largest
// context. Flip histories fill their low bits first, so in the packets
// after a key most blocks need fewer planes than the stream's context
// count (and each plane doubles the contexts every group pays for).
__attribute__((target("avx2,bmi,bmi2,popcnt"))) int BlockPlanes(
    const uint8_t* contexts, size_t count) {
  __m256i any = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= count; i += 32) {
    any = _mm256_or_si256(
        any, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(contexts + i)));
  }
  alignas(32) uint8_t bytes[32];
  _mm256_store_si256(reinterpret_cast<__m256i*>(bytes), any);
  unsigned all = 0;
  for (uint8_t b : bytes) all |= b;
  for (; i < count; ++i) all |= contexts[i];
  return std::bit_width(all);
}

// The split takes blocks of this many groups, each with the planes its
// contexts need (BlockPlanes).
constexpr size_t kSplitBlockGroups = 64;

// Groups [first, first + size), whose contexts (mapped through `groups`
// when kGrouped) are all below 2^kPlanes. Each group appends to the
// contexts it holds and to no others: flip histories give a group of 64
// coordinates some 15 to 25 of 64 contexts on real gradients' flips (20
// to 30 on the codec bench's), and an append for every context present
// anywhere in a block of groups (mostly of no bits) took most of the
// split's time.
template <int kPlanes, bool kGrouped = false>
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void SplitBlockByPlanes(
    const uint64_t* bits, const uint8_t* contexts, size_t first, size_t size,
    SplitCursor* cursors, const ByteTable64& groups = {}) {
  alignas(32) uint64_t masks[size_t{1} << kPlanes];
  for (size_t g = first; g < first + size; ++g) {
    const uint64_t word = bits[g];
    for (uint64_t held = HeldContextMasks<kPlanes>(
             LoadGroupBytes<kGrouped>(contexts + g * 64, groups), masks);
         held != 0; held = _blsr_u64(held)) {
      const uint64_t mask = masks[_tzcnt_u64(held)];
      cursors[_tzcnt_u64(held)].Append(
          _pext_u64(word, mask), static_cast<uint64_t>(_mm_popcnt_u64(mask)));
    }
  }
}

// A context's place in its vector for the merge: a bit offset, so that
// where a take starts depends on one addition, not on the buffer and word
// of the take before (a refilled buffer's chain of several steps per take
// bounded the merge). Peek always reads the word after the one it starts
// in (hence the spare word).
struct MergeCursor {
  const uint64_t* words;
  uint64_t offset;  // bits taken
  uint64_t count;

  // The 64 bits from `offset` on. Reads stay within the context's words
  // and spare word even when a damaged payload has it take more bits than
  // it holds (the caller then fails on offset > count); a cursor of no
  // bits must have two words (MergeCursors gives it kNoBits), as it reads
  // words[0] and words[1].
  __attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline uint64_t
  Peek() const {
    return WordsFrom(std::min(offset, count == 0 ? 0 : count - 1));
  }

  // Whether a whole word can be taken for each of `groups` groups without
  // running out: PeekWithin's condition for a block of that many. (The
  // offset must be at most the count, as it is between blocks: a block
  // that took more failed.)
  bool HasWordsFor(size_t groups) const {
    return count - offset >= 64 * groups;
  }

  // Peek for a take of `take` bits from `at`, when at least 64 bits are
  // left from there, so that no clamp is needed. A take of at most 56 bits
  // reads 8 bytes from the byte that holds bit `at`, which hold the 57 or
  // more bits from it, all the context's own; a larger one (a context that
  // holds most of a group) reads the two words as Peek does, the second
  // of them the spare word when `at` starts the last word. Against Peek,
  // that is 7 instructions fewer per take, on the merge's innermost loop.
  __attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline uint64_t
  PeekWithin(uint64_t at, uint64_t take) const {
    if (take > 56) [[unlikely]]
      return WordsFrom(at);
    uint64_t bytes;
    std::memcpy(&bytes, reinterpret_cast<const uint8_t*>(words) + (at >> 3),
                sizeof(bytes));
    return bytes >> (at & 7);
  }

  // The 64 bits from bit `at`, from the word holding it and the next.
  __attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline uint64_t
  WordsFrom(uint64_t at) const {
    const uint64_t* const word = words + (at >> 6);
    const uint64_t shift = at & 63;
    return (word[0] >> shift) | ((word[1] << 1) << (63 - shift));
  }

  // The next popcount(mask) bits, deposited on the mask's set bits, and
  // the cursor moved past them (by Peek: the caller checks the offset
  // against the count after).
  __attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline uint64_t
  Take(uint64_t mask) {
    const uint64_t bits = _pdep_u64(Peek(), mask);
    offset += static_cast<uint64_t>(_mm_popcnt_u64(mask));
    return bits;
  }

  // Take where the block's takes cannot run out (HasWordsFor), by
  // PeekWithin.
  __attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline uint64_t
  TakeWithin(uint64_t mask) {
    const auto take = static_cast<uint64_t>(_mm_popcnt_u64(mask));
    const uint64_t bits = _pdep_u64(PeekWithin(offset, take), mask);
    offset += take;
    return bits;
  }
};

// Merges context c's bits of a block of groups whose masks (BlockMasks,
// kContexts a group) are in `masks` into out[first ..]; false if it took
// more than its vector holds. kDense: no test of a mask for being empty
// (see MergeMaskedBlock).
template <uint32_t kContexts, bool kDense, bool kContextMajor>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline bool
MergeContextOfBlock(uint32_t c, size_t first, size_t size, MergeCursor* cursors,
                    uint64_t* out, const uint64_t* masks) {
  MergeCursor cursor = cursors[c];
  if (cursor.HasWordsFor(size)) {
    for (size_t g = 0; g < size; ++g) {
      const uint64_t mask =
          masks[MaskIndex<kContexts, kContextMajor>(g, c, size)];
      if (!kDense && mask == 0) continue;
      out[first + g] |= cursor.TakeWithin(mask);
    }
  } else {
    for (size_t g = 0; g < size; ++g) {
      const uint64_t mask =
          masks[MaskIndex<kContexts, kContextMajor>(g, c, size)];
      if (!kDense && mask == 0) continue;
      out[first + g] |= cursor.Take(mask);
    }
  }
  cursors[c] = cursor;
  return cursor.offset <= cursor.count;
}

// Merges a block of groups whose masks (BlockMasks, or with kContextMajor
// MergeBlockOfGroups' layout: MaskIndex) are in `masks`. kDense: for
// context groups, which are few and each in most groups of coordinates: no
// test of a context or a mask for being empty (which mispredicted), as
// taking no bits with an empty mask changes nothing; and two groups to a
// pass over the block where neither can run out, so that each output word
// is loaded and stored half as often. Contexts from `used` on (at most
// 2^kPlanes) must have no coordinate in the block: they are not visited.
template <int kPlanes, bool kDense = false, bool kContextMajor = false>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline bool
MergeMaskedBlock(size_t first, size_t size, MergeCursor* cursors, uint64_t* out,
                 uint32_t* bad_context, const uint64_t* masks,
                 uint32_t used = 1u << kPlanes) {
  constexpr uint32_t kContexts = 1u << kPlanes;
  static_assert(kDense || !kContextMajor, "AnyInBlock reads group-major");
  std::fill(out + first, out + first + size, 0);
  const uint32_t visited = std::min(used, kContexts);
  for (uint32_t c = 0; c < visited; ++c) {
    if constexpr (kDense && kContexts >= 2) {
      // (A pair from c: after a context merged alone, c may be odd.)
      if (c + 1 < visited && cursors[c].HasWordsFor(size) &&
          cursors[c + 1].HasWordsFor(size)) {
        MergeCursor a = cursors[c];
        MergeCursor b = cursors[c + 1];
        for (size_t g = 0; g < size; ++g) {
          out[first + g] |=
              a.TakeWithin(
                  masks[MaskIndex<kContexts, kContextMajor>(g, c, size)]) |
              b.TakeWithin(
                  masks[MaskIndex<kContexts, kContextMajor>(g, c + 1, size)]);
        }
        // Neither can have taken more than it holds.
        cursors[c] = a;
        cursors[c + 1] = b;
        ++c;
        continue;
      }
    }
    // A context absent from the whole block takes nothing: skip it (with
    // many contexts, most are absent from most blocks).
    if (!kDense && !AnyInBlock(masks, size, kContexts, c)) continue;
    if (!MergeContextOfBlock<kContexts, kDense, kContextMajor>(
            c, first, size, cursors, out, masks)) {
      *bad_context = c;
      return false;
    }
  }
  return true;
}

// Merge cursors for `size` context values: each context's vector, and for
// values past the vectors' context count no bits, so that taking from
// them fails. A cursor of no bits reads kNoBits' two words, not its
// vector's one spare word (the dense group merge peeks at every group of
// every word, empty or not, and an empty last vector's second word is
// past the storage's end).
std::vector<MergeCursor> MergeCursors(const ContextBitVectors& vectors,
                                      size_t size) {
  static const uint64_t kNoBits[2] = {0, 0};
  std::vector<MergeCursor> cursors(size, MergeCursor{kNoBits, 0, 0});
  for (uint32_t c = 0; c < std::min<size_t>(size, vectors.context_count());
       ++c) {
    if (vectors.count(c) != 0) {
      cursors[c] = MergeCursor{vectors.words(c), 0, vectors.count(c)};
    }
  }
  return cursors;
}

// OK when every context's bits were all taken.
absl::Status CheckAllTaken(const MergeCursor* cursors,
                           uint32_t context_count) {
  for (uint32_t c = 0; c < context_count; ++c) {
    if (cursors[c].offset != cursors[c].count) {
      return ContextTooLong(c, cursors[c].count - cursors[c].offset);
    }
  }
  return absl::OkStatus();
}

template <int kPlanes>
__attribute__((target("avx2,bmi,bmi2,popcnt"))) bool MergeBlockByPlanes(
    const uint8_t* contexts, size_t first, size_t size, MergeCursor* cursors,
    uint64_t* out, uint32_t* bad_context, uint64_t* masks) {
  BlockMasks<kPlanes>(contexts, first, size, masks);
  return MergeMaskedBlock<kPlanes>(first, size, cursors, out, bad_context,
                                   masks);
}

// The same with the contexts as planes: a group's masks come from its
// plane words, with no context bytes to load and sift.
template <int kPlanes>
__attribute__((target("avx2,bmi,bmi2,popcnt"))) bool MergeBlockOfPlanes(
    const uint64_t* const* planes, size_t first, size_t size,
    MergeCursor* cursors, uint64_t* out, uint32_t* bad_context,
    uint64_t* masks) {
  constexpr int kContexts = 1 << kPlanes;
  for (size_t g = 0; g < size; ++g) {
    uint64_t* const group = masks + g * kContexts;
    group[0] = ~uint64_t{0};
#pragma GCC unroll 8
    for (int k = 0; k < kPlanes; ++k) {
      const uint64_t plane = planes[k][first + g];
      const int width = 1 << k;
#pragma GCC unroll 64
      for (int c = width - 1; c >= 0; --c) {
        group[c + width] = group[c] & plane;
        group[c] &= ~plane;
      }
    }
  }
  return MergeMaskedBlock<kPlanes>(first, size, cursors, out, bad_context,
                                   masks);
}

// The planes a block of groups needs: one past the highest plane with a
// bit set in it (see BlockPlanes).
int BlockPlaneCount(const ContextPlanes& planes, size_t first, size_t size) {
  int used = 0;
  for (uint32_t k = 0; k < planes.plane_count; ++k) {
    uint64_t any = 0;
    for (size_t g = first; g < first + size; ++g) any |= planes.planes[k][g];
    if (any != 0) used = static_cast<int>(k) + 1;
  }
  return used;
}

// Above kMaxPlaneContexts: one pass per distinct context in each group.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void SplitGroupsByDistinct(
    const uint64_t* bits, const uint8_t* contexts, size_t groups,
    SplitCursor* cursors) {
  for (size_t g = 0; g < groups; ++g) {
    const uint8_t* group = contexts + g * 64;
    const uint64_t word = bits[g];
    uint64_t left = ~uint64_t{0};
    while (left != 0) {
      const uint8_t context = group[_tzcnt_u64(left)];
      const uint64_t mask = ContextMask(group, context) & left;
      left &= ~mask;
      cursors[context].Append(_pext_u64(word, mask),
                              static_cast<uint64_t>(_mm_popcnt_u64(mask)));
    }
  }
}

__attribute__((target("avx2,bmi,bmi2,popcnt"))) bool MergeGroupsByDistinct(
    const uint8_t* contexts, size_t groups, MergeCursor* cursors,
    uint64_t* out, uint32_t* bad_context) {
  for (size_t g = 0; g < groups; ++g) {
    const uint8_t* group = contexts + g * 64;
    uint64_t word = 0;
    uint64_t left = ~uint64_t{0};
    while (left != 0) {
      const uint8_t context = group[_tzcnt_u64(left)];
      const uint64_t mask = ContextMask(group, context) & left;
      left &= ~mask;
      MergeCursor& cursor = cursors[context];
      const auto taken = static_cast<uint64_t>(_mm_popcnt_u64(mask));
      if (cursor.offset + taken > cursor.count) {
        *bad_context = context;
        return false;
      }
      word |= _pdep_u64(cursor.Peek(), mask);
      cursor.offset += taken;
    }
    out[g] = word;
  }
  return true;
}

int PlaneCount(uint32_t context_count) {
  int planes = 0;
  while ((1u << planes) < context_count) ++planes;
  return planes;
}

// Gives contexts [0, limit) room for `bits` more bits each. Once per
// block of groups, so that appends need no check of their own: a block
// adds at most 64 bits per group to any one context.
void MakeRoom(uint32_t limit, uint64_t bits, SplitCursor* cursors,
              GrowingContextBitVectors& vectors) {
  for (uint32_t c = 0; c < limit; ++c) {
    const uint64_t offset = cursors[c].Offset(vectors.mutable_words(c));
    if (offset + bits > vectors.capacity(c)) {
      cursors[c] = SplitCursor::At(vectors.Reserve(c, offset, offset + bits),
                                   offset);
    }
  }
}

// Each group's bits of `word` (under masks[g]) appended to its cursor.
template <int kGroups>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline void
AppendToGroups(uint64_t word, const uint64_t* masks, SplitCursor* cursors) {
#pragma GCC unroll 8
  for (int g = 0; g < kGroups; ++g) {
    cursors[g].Append(_pext_u64(word, masks[g]),
                      static_cast<uint64_t>(_mm_popcnt_u64(masks[g])));
  }
}

// How far ahead of the word it splits the grouped split asks for a word's
// contexts, into L2 (__builtin_prefetch's locality 1: prefetcht2). The
// encoder's contexts come from memory, and without it the split waited on
// them: perf put a third of SplitBlockOfFewGroupsAvx512's cycles on the
// instruction after the context load (codec_bench Encode/4, on a Xeon with
// AVX-512). With it the encoder's flips section took 8% fewer cycles
// (median over 130 steps each, the steps alternating with and without in
// one process: 14.5 -> 13.3 and 13.8 -> 12.7 million TSC cycles), some
// 0.5 ms of Encode/4's 20; 16 or 32 words ahead did alike.
constexpr size_t kSplitPrefetchWords = 16;

// Asks for the contexts of word i + kSplitPrefetchWords of `words`, if any.
__attribute__((always_inline)) inline void PrefetchSplitContexts(
    const uint8_t* contexts, size_t i, size_t words) {
  if (i + kSplitPrefetchWords < words) {
    __builtin_prefetch(contexts + (i + kSplitPrefetchWords) * 64, 0, 1);
  }
}

// Few groups (kPlanes <= 3, at most 8 of them) each take bits from most
// 64-coordinate groups: every group appends in every one (an append of no
// bits changes nothing), the cursors held in registers, with no test of
// which groups a word holds and no cursor loaded or stored per append.
// Measured on codec_bench's Encode/4 (mostly 7 groups): the split's share
// of cycles fell from 0.69 to 0.48 times that of forming p, against
// appending to the held groups only.
// Only the groups below the count append: with the encoder's mostly 7
// groups, an eighth fewer appends than every group the planes can name.
template <int kPlanes, int kGroups>
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void SplitBlockOfFewGroups(
    const uint64_t* bits, const uint8_t* contexts, size_t first, size_t size,
    size_t words, SplitCursor* cursors, const ByteTable64& groups) {
  static_assert(kPlanes <= 3 && kGroups <= (1 << kPlanes));
  SplitCursor local[kGroups];
  for (int g = 0; g < kGroups; ++g) local[g] = cursors[g];
  for (size_t i = first; i < first + size; ++i) {
    PrefetchSplitContexts(contexts, i, words);
    const GroupBytes bytes = LoadGroupBytes<true>(contexts + i * 64, groups);
    uint64_t masks[1 << kPlanes];
    ContextMasks<kPlanes>(bytes.low, bytes.high, masks);
    AppendToGroups<kGroups>(bits[i], masks, local);
  }
  for (int g = 0; g < kGroups; ++g) cursors[g] = local[g];
}

#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // as GroupMasksAvx512
#endif
// SplitBlockOfFewGroups where the CPU has AVX-512 (CpuHasAvx512Vbmi): one
// vpermb maps a word's 64 contexts to their groups (the table is
// group_of's 64 bytes), and a comparison per group gives that group's mask
// in a mask register, where the AVX2 lookup took four shuffles and three
// blends per 32 contexts and a shift and a movemask per plane and half.
// The same appends. codec_bench Encode/4 on a Xeon with AVX-512: 20.8 ->
// 19.7 ms and 20.5 -> 19.9 ms (best of seven alternating runs, twice),
// with the masks then formed from a test per plane (MasksOfPlanes); a
// comparison per group instead leaves the masks in mask registers until
// their appends, where eight in general registers pushed the cursors out
// to the stack: 3.7% fewer cycles in the flips section (medians over some
// 160 steps, alternating in one process: 12.4 -> 11.9 and 12.5 -> 12.0
// million). The appends are AppendToGroups' written out: passing it the
// masks as an array (made generic over the mask type) had GCC 12 keep
// the array on a realigned stack and spill the loop bound.
template <int kGroups>
__attribute__((
    target("avx2,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,"
           "avx512vl,avx512vbmi"))) void
SplitBlockOfFewGroupsAvx512(const uint64_t* bits, const uint8_t* contexts,
                            size_t first, size_t size, size_t words,
                            SplitCursor* cursors, const uint8_t* group_of) {
  static_assert(kGroups >= 1 && kGroups <= 8);
  const __m512i table = _mm512_loadu_si512(group_of);
  SplitCursor local[kGroups];
  for (int g = 0; g < kGroups; ++g) local[g] = cursors[g];
  for (size_t i = first; i < first + size; ++i) {
    PrefetchSplitContexts(contexts, i, words);
    const __m512i group =
        _mm512_permutexvar_epi8(_mm512_loadu_si512(contexts + i * 64), table);
    __mmask64 masks[kGroups];
#pragma GCC unroll 8
    for (int g = 0; g < kGroups; ++g) {
      masks[g] =
          _mm512_cmpeq_epi8_mask(group, _mm512_set1_epi8(static_cast<char>(g)));
    }
    const uint64_t word = bits[i];
#pragma GCC unroll 8
    for (int g = 0; g < kGroups; ++g) {
      const uint64_t mask = _cvtmask64_u64(masks[g]);
      local[g].Append(_pext_u64(word, mask),
                      static_cast<uint64_t>(_mm_popcnt_u64(mask)));
    }
  }
  for (int g = 0; g < kGroups; ++g) cursors[g] = local[g];
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// The split of a block of words [first, first + size) of `words` into
// `group_count` groups, of `planes` planes; `wide` where the CPU has
// AVX-512 (CpuHasAvx512Vbmi).
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void SplitGroupedBlock(
    int planes, uint32_t group_count, const uint64_t* bits,
    const uint8_t* contexts, size_t first, size_t size, size_t words,
    SplitCursor* cursors, const ByteTable64& groups, const uint8_t* group_of,
    bool wide) {
  auto few = [&](auto k, auto count) {
    if (wide) {
      SplitBlockOfFewGroupsAvx512<count>(bits, contexts, first, size, words,
                                         cursors, group_of);
    } else {
      SplitBlockOfFewGroups<k, count>(bits, contexts, first, size, words,
                                      cursors, groups);
    }
  };
  using std::integral_constant;
  switch (group_count) {
    case 1:
      return few(integral_constant<int, 0>(), integral_constant<int, 1>());
    case 2:
      return few(integral_constant<int, 1>(), integral_constant<int, 2>());
    case 3:
      return few(integral_constant<int, 2>(), integral_constant<int, 3>());
    case 4:
      return few(integral_constant<int, 2>(), integral_constant<int, 4>());
    case 5:
      return few(integral_constant<int, 3>(), integral_constant<int, 5>());
    case 6:
      return few(integral_constant<int, 3>(), integral_constant<int, 6>());
    case 7:
      return few(integral_constant<int, 3>(), integral_constant<int, 7>());
    case 8:
      return few(integral_constant<int, 3>(), integral_constant<int, 8>());
    default:
      WithPlaneCount(planes, [&](auto k) {
        if constexpr (k > 3) {
          SplitBlockByPlanes<k, true>(bits, contexts, first, size, cursors,
                                      groups);
        }
      });
  }
}

// The split into `context_count` vectors, of contexts or, with `group_of`,
// of the groups it maps the contexts (below 64) to.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void SplitByContextAvx2(
    const uint64_t* bits, absl::Span<const uint8_t> contexts,
    uint32_t context_count, const uint8_t* group_of,
    GrowingContextBitVectors& vectors) {
  vectors.Start(context_count, contexts.size());
  // The groups' table, and the planes their masks take: every block needs
  // them all (any context can be in any group).
  ByteTable64 table{};
  if (group_of != nullptr) table = LoadByteTable64(group_of);
  const int group_planes = PlaneCount(context_count);
  // A cursor per possible context value; contexts without a vector are a
  // caller's bug (as for the portable split), and their null cursors fault.
  std::vector<SplitCursor> cursors(kMaxContextCount, SplitCursor{0});
  for (uint32_t c = 0; c < context_count; ++c) {
    cursors[c] = SplitCursor::At(vectors.mutable_words(c), 0);
  }
  const uint8_t* const c = contexts.data();
  SplitCursor* const s = cursors.data();
  const size_t groups = contexts.size() / 64;
  const bool wide = group_of != nullptr && CpuHasAvx512Vbmi();
  for (size_t first = 0; first < groups; first += kSplitBlockGroups) {
    const size_t size = std::min(kSplitBlockGroups, groups - first);
    if (group_of != nullptr) {
      MakeRoom(context_count, 64 * size, s, vectors);
      SplitGroupedBlock(group_planes, context_count, bits, c, first, size,
                        groups, s, table, group_of, wide);
      continue;
    }
    if (context_count > kMaxPlaneContexts) {
      MakeRoom(context_count, 64 * size, s, vectors);
      SplitGroupsByDistinct(bits + first, c + first * 64, size, s);
      continue;
    }
    const int planes = BlockPlanes(c + first * 64, size * 64);
    MakeRoom(std::min(1u << planes, context_count), 64 * size, s, vectors);
    WithPlaneCount(planes, [&](auto k) {
      SplitBlockByPlanes<k>(bits, c, first, size, s);
    });
  }
  // The last partial group, one bit at a time.
  MakeRoom(context_count, 64, s, vectors);
  for (size_t i = groups * 64; i < contexts.size(); ++i) {
    const uint8_t context = group_of != nullptr ? group_of[c[i]] : c[i];
    cursors[context].Append((bits[i >> 6] >> (i & 63)) & 1, 1);
  }
  std::vector<uint64_t> counts(context_count);
  for (uint32_t k = 0; k < context_count; ++k) {
    counts[k] = cursors[k].Offset(vectors.mutable_words(k));
  }
  vectors.Finish(counts.data());
}

__attribute__((target("avx2,bmi,bmi2,popcnt")))
absl::Status MergeByContextAvx2(const ContextBitVectors& vectors,
                                absl::Span<const uint8_t> contexts,
                                uint64_t* out) {
  const uint32_t context_count = vectors.context_count();
  // A cursor per possible context value (a bad context array's fail).
  std::vector<MergeCursor> cursors = MergeCursors(vectors, kMaxContextCount);
  const size_t n = contexts.size();
  const size_t groups = n / 64;
  uint32_t bad = 0;
  bool ok = true;
  if (context_count > kMaxPlaneContexts) {
    ok = MergeGroupsByDistinct(contexts.data(), groups, cursors.data(), out,
                               &bad);
  } else {
    const int max_planes = PlaneCount(context_count);
    const size_t block = kMaskBlockBytes / (size_t{8} << max_planes);
    std::vector<uint64_t> masks(block << max_planes);
    for (size_t first = 0; ok && first < groups; first += block) {
      const size_t size = std::min(block, groups - first);
      const uint8_t* const c = contexts.data();
      MergeCursor* const s = cursors.data();
      uint64_t* const m = masks.data();
      const int planes = BlockPlanes(c + first * 64, size * 64);
      // More planes than the context count needs: a context no vector
      // has, which the distinct path finds and reports.
      if (planes > max_planes) {
        ok = MergeGroupsByDistinct(c + first * 64, size, s, out + first, &bad);
      } else {
        ok = WithPlaneCount(planes, [&](auto k) {
          return MergeBlockByPlanes<k>(c, first, size, s, out, &bad, m);
        });
      }
    }
  }
  if (!ok) return ContextTooShort(bad);
  // The last partial group, one bit at a time.
  if (groups * 64 < n) {
    uint64_t word = 0;
    for (size_t i = groups * 64; i < n; ++i) {
      MergeCursor& cursor = cursors[contexts[i]];
      if (cursor.offset == cursor.count) return ContextTooShort(contexts[i]);
      word |= (cursor.Peek() & 1) << (i & 63);
      ++cursor.offset;
    }
    out[groups] = word;
  }
  return CheckAllTaken(cursors.data(), context_count);
}

// The plane path takes up to six planes (contexts below kMaxPlaneContexts);
// more go through context bytes.
constexpr size_t kMaxPlanePlanes = 6;

// Merges the last partial group of the planes' bits, one bit at a time.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) absl::Status MergeLastGroup(
    const ContextPlanes& planes, MergeCursor* cursors, uint64_t* out) {
  const uint64_t n = planes.count;
  const uint64_t groups = n / 64;
  if (groups * 64 == n) return absl::OkStatus();
  uint64_t word = 0;
  for (uint64_t i = groups * 64; i < n; ++i) {
    MergeCursor& cursor = cursors[PlaneContext(planes, i)];
    if (cursor.offset == cursor.count) {
      return ContextTooShort(PlaneContext(planes, i));
    }
    word |= (cursor.Peek() & 1) << (i & 63);
    ++cursor.offset;
  }
  out[groups] = word;
  return absl::OkStatus();
}

// The group masks of words [first + from, first + size) of a block into
// `masks`, context-major (MergeMaskedBlock's kContextMajor layout), from
// the planes (PlaneGroupMasks): four words at a time, the last ones one
// at a time.
template <int kPlanes>
__attribute__((target("avx2,bmi,bmi2,popcnt"))) void GroupMasksAvx2(
    const ContextPlanes& planes, const PlaneGroupFunctions& functions,
    size_t first, size_t from, size_t size, uint64_t* masks) {
  constexpr int kGroups = 1 << kPlanes;
  size_t g = from;
  for (; g + 4 <= size; g += 4) {
    __m256i words[kGroupedPlanes];
#pragma GCC unroll 6
    for (uint32_t k = 0; k < kGroupedPlanes; ++k) {
      words[k] = k < planes.plane_count
                     ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(
                           planes.planes[k] + first + g))
                     : _mm256_setzero_si256();
    }
    __m256i group_masks[kGroups];
    PlaneGroupMasks<kPlanes>(words, functions, group_masks);
#pragma GCC unroll 64
    for (int c = 0; c < kGroups; ++c) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(masks + c * size + g),
                          group_masks[c]);
    }
  }
  for (; g < size; ++g) {
    uint64_t words[kGroupedPlanes] = {};
    for (uint32_t k = 0; k < planes.plane_count; ++k) {
      words[k] = planes.planes[k][first + g];
    }
    uint64_t group_masks[kGroups];
    PlaneGroupMasks<kPlanes>(words, functions, group_masks);
    for (int c = 0; c < kGroups; ++c) masks[c * size + g] = group_masks[c];
  }
}

// Merges a block of groups whose contexts are the planes' groups, below
// 2^kPlanes: the masks of the block's words from the planes, bit-sliced
// (GroupMasksAvx2), then the takes context after context. Groups from
// `groups_visited` on must hold no coordinate.
template <int kPlanes>
__attribute__((target("avx2,bmi,bmi2,popcnt"))) bool MergeBlockOfGroups(
    const ContextPlanes& planes, const PlaneGroupFunctions& functions,
    uint32_t groups_visited, size_t first, size_t size, MergeCursor* cursors,
    uint64_t* out, uint32_t* bad_context, uint64_t* masks) {
  GroupMasksAvx2<kPlanes>(planes, functions, first, 0, size, masks);
  return MergeMaskedBlock<kPlanes, /*kDense=*/true, /*kContextMajor=*/true>(
      first, size, cursors, out, bad_context, masks, groups_visited);
}

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*, which
// -Wmaybe-uninitialized reports (a known false positive).
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// MergeBlockOfGroups where the CPU has AVX-512 (CpuHasAvx512Vbmi): the
// masks of eight words at a time, whose AND-OR chains the compiler makes
// ternary-logic instructions, with `wide_functions` made for __m512i's
// slots; the block's last words as there.
template <int kPlanes>
__attribute__((
    target("avx2,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,"
           "avx512vl,avx512vbmi"))) bool
MergeBlockOfGroupsAvx512(const ContextPlanes& planes,
                         const PlaneGroupFunctions& functions,
                         const PlaneGroupFunctions& wide_functions,
                         uint32_t groups_visited, size_t first, size_t size,
                         MergeCursor* cursors, uint64_t* out,
                         uint32_t* bad_context, uint64_t* masks) {
  constexpr int kGroups = 1 << kPlanes;
  size_t g = 0;
  for (; g + 8 <= size; g += 8) {
    __m512i words[kGroupedPlanes];
#pragma GCC unroll 6
    for (uint32_t k = 0; k < kGroupedPlanes; ++k) {
      words[k] = k < planes.plane_count
                     ? _mm512_loadu_si512(planes.planes[k] + first + g)
                     : _mm512_setzero_si512();
    }
    __m512i group_masks[kGroups];
    PlaneGroupMasks<kPlanes>(words, wide_functions, group_masks);
#pragma GCC unroll 64
    for (int c = 0; c < kGroups; ++c) {
      _mm512_storeu_si512(masks + c * size + g, group_masks[c]);
    }
  }
  _mm256_zeroupper();  // GroupMasksAvx2 and the takes are AVX2 and scalar
  GroupMasksAvx2<kPlanes>(planes, functions, first, g, size, masks);
  return MergeMaskedBlock<kPlanes, /*kDense=*/true, /*kContextMajor=*/true>(
      first, size, cursors, out, bad_context, masks, groups_visited);
}

#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// MergeByContextPlanes on AVX2, by the contexts' planes or, with
// planes.group_of, by their groups.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) absl::Status
MergeByContextPlanesAvx2(const ContextBitVectors& vectors,
                         const ContextPlanes& planes, uint64_t* out,
                         MergedWords on_merged) {
  const bool grouped = planes.group_of != nullptr;
  const uint32_t context_count = vectors.context_count();
  // A cursor per value a coordinate's context can take: below
  // 2^plane_count, or a byte of the group table (those past the vectors'
  // count fail).
  std::vector<MergeCursor> cursors = MergeCursors(
      vectors, grouped ? kMaxContextCount : size_t{1} << planes.plane_count);
  // The planes of the blocks' masks: the groups' (below context_count <=
  // 2^plane_count <= kMaxGroupedContexts, ContextPlanes::group_of), or at
  // most the planes' own, fewer in blocks whose contexts need fewer.
  const int mask_planes = grouped ? PlaneCount(context_count)
                                  : static_cast<int>(planes.plane_count);
  const size_t groups = planes.count / 64;
  const size_t block = grouped ? kGroupedBlockWords
                               : kMaskBlockBytes / (size_t{8} << mask_planes);
  std::vector<uint64_t> masks(block << mask_planes);
  const PlaneGroupFunctions functions =
      grouped ? MakePlaneGroupFunctions(planes.group_of, planes.plane_count)
              : PlaneGroupFunctions{};
  const bool wide = grouped && CpuHasAvx512Vbmi();
  const PlaneGroupFunctions wide_functions =
      wide ? MakePlaneGroupFunctions(planes.group_of, planes.plane_count,
                                     kWidePairSlotBytes)
           : PlaneGroupFunctions{};
  // The groups the merge visits: those below the count, each table entry
  // being below it (as a decoder has checked), so that a packet of 7
  // groups makes 7 takes a word, not 8. Otherwise every group the masks
  // have, and a coordinate in a group past the count fails on its take.
  const bool table_in_count =
      !grouped ||
      std::all_of(planes.group_of, planes.group_of + (1u << planes.plane_count),
                  [&](uint8_t group) { return group < context_count; });
  const uint32_t groups_visited =
      table_in_count ? context_count : kMaxGroupedContexts;
  const uint64_t* const* const p = planes.planes.data();
  MergeCursor* const s = cursors.data();
  uint64_t* const m = masks.data();
  uint32_t bad = 0;
  bool ok = true;
  for (size_t first = 0; ok && first < groups; first += block) {
    const size_t size = std::min(block, groups - first);
    const int used =
        grouped ? mask_planes : BlockPlaneCount(planes, first, size);
    ok = WithPlaneCount(used, [&](auto k) {
      if (wide) {
        return MergeBlockOfGroupsAvx512<k>(planes, functions, wide_functions,
                                           groups_visited, first, size, s, out,
                                           &bad, m);
      }
      return grouped ? MergeBlockOfGroups<k>(planes, functions, groups_visited,
                                             first, size, s, out, &bad, m)
                     : MergeBlockOfPlanes<k>(p, first, size, s, out, &bad, m);
    });
    if (ok) on_merged(first, first + size);
  }
  if (!ok) return ContextTooShort(bad);
  if (absl::Status st = MergeLastGroup(planes, s, out); !st.ok()) return st;
  if (groups * 64 < planes.count) on_merged(groups, groups + 1);
  return CheckAllTaken(cursors.data(), context_count);
}

#endif

}  // namespace

absl::Status MergeByContextPlanes(const ContextBitVectors& vectors,
                                  const ContextPlanes& planes, uint64_t* out,
                                  MergedWords on_merged) {
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2() && planes.plane_count <= kMaxPlanePlanes) {
    return MergeByContextPlanesAvx2(vectors, planes, out, on_merged);
  }
#endif
  std::vector<uint8_t> contexts(planes.count);
  ContextsFromPlanes(planes, contexts.data());
  absl::Status merged = MergeByContext(vectors, contexts, out);
  if (merged.ok() && planes.count > 0) on_merged(0, BitWords(planes.count));
  return merged;
}

void SplitByContext(const uint64_t* bits, absl::Span<const uint8_t> contexts,
                    uint32_t context_count, GrowingContextBitVectors& vectors) {
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) {
    return SplitByContextAvx2(bits, contexts, context_count, nullptr, vectors);
  }
#endif
  SplitByContextPortable(bits, contexts, context_count, vectors);
}

void SplitByContextGroups(const uint64_t* bits,
                          absl::Span<const uint8_t> contexts,
                          const uint8_t* group_of, uint32_t group_count,
                          GrowingContextBitVectors& vectors) {
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) {
    return SplitByContextAvx2(bits, contexts, group_count, group_of, vectors);
  }
#endif
  SplitByContextPortable(bits, contexts, group_count, vectors, group_of);
}

absl::Status MergeByContext(const ContextBitVectors& vectors,
                            absl::Span<const uint8_t> contexts, uint64_t* out) {
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) return MergeByContextAvx2(vectors, contexts, out);
#endif
  return MergeByContextPortable(vectors, contexts, out);
}

}  // namespace gradcodec::internal
