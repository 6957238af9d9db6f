// The masks of a grouped merge's context groups (ContextPlanes::group_of)
// straight from the contexts' bit planes, bit-sliced: a word (or a vector
// of four) of every plane in, a word of every group's mask out, with no
// per-coordinate bytes in between.
//
// Spreading six planes to context bytes, looking each byte's group up and
// gathering the group bits back into masks took some 170 instructions per
// 64 coordinates, most of the grouped merge's time and a third of signxor's
// steady-state decode. Here a group bit is a function of the six planes,
// evaluated as
//
//   bit_b = OR over v < 16 of upper[v] AND pair[function(b, v)]
//
// upper[v] the coordinates whose planes 2..5 have the value v, and
// pair[n] the function of planes 0 and 1 whose truth table is n (all 16
// are formed first): the group table enters as the 16 table offsets per
// group bit of PlaneGroupFunctions, and each group's mask is then a
// minterm of the group bits. Some 300 instructions per 256 coordinates
// for 8 groups; codec_bench Decode/4 went from 11.3 to 10.1 ms (best of 5
// alternating runs).
#ifndef GRADCODEC_CODEC_ENTROPY_PLANE_GROUP_MASKS_H_
#define GRADCODEC_CODEC_ENTROPY_PLANE_GROUP_MASKS_H_

#include <array>
#include <cassert>
#include <cstdint>

namespace gradcodec::internal {

// The planes a group evaluation reads (ContextPlanes' at most, with
// group_of) and the group bits it forms: as many, as a packet may have a
// group per context (the encoder forms up to 8 groups, 3 bits).
inline constexpr int kGroupedPlanes = 6;
inline constexpr int kMaxGroupBits = 6;

// The functions of planes 0 and 1 are kept a vector's bytes apart
// whatever V is, so that a table entry is a byte offset, added to the
// table's address as it is: scaled by the 32 bytes of a vector, which no
// addressing mode does, each of the 48 lookups per four words took a shift
// more.
// (A wider vector, __m512i, takes slots of its own size: functions made
// with kWidePairSlotBytes.)
inline constexpr uint32_t kPairSlotBytes = 32;
inline constexpr uint32_t kWidePairSlotBytes = 64;

template <typename V>
struct alignas(sizeof(V) > kPairSlotBytes ? sizeof(V)
                                          : kPairSlotBytes) PairSlot {
  V value;
};

// A group table as the evaluation reads it: offset[b][v] / kPairSlotBytes
// is the truth table over planes 0 and 1 (bit p0 + 2 p1) of bit b of the
// group of the contexts whose planes 2..5 have the value v.
struct PlaneGroupFunctions {
  std::array<std::array<uint16_t, 16>, kMaxGroupBits> offset{};
  // sizeof(PairSlot<V>) of the V the offsets are for.
  uint32_t slot_bytes = kPairSlotBytes;
};

// The functions of `group_of` (2^plane_count entries, plane_count at most
// kGroupedPlanes, each entry below 2^kMaxGroupBits). Contexts of
// 2^plane_count or more never occur (their planes are absent, read as
// zero), so their group is immaterial.
inline PlaneGroupFunctions MakePlaneGroupFunctions(
    const uint8_t* group_of, uint32_t plane_count,
    uint32_t slot_bytes = kPairSlotBytes) {
  PlaneGroupFunctions out;
  out.slot_bytes = slot_bytes;
  for (uint32_t c = 0; c < (1u << plane_count); ++c) {
    for (int b = 0; b < kMaxGroupBits; ++b) {
      if (((group_of[c] >> b) & 1) != 0) {
        out.offset[b][c >> 2] += static_cast<uint16_t>(slot_bytes << (c & 3));
      }
    }
  }
  return out;
}

// masks[g] for every g < 2^kGroupBits: the coordinates (bits of V, a
// uint64_t word or a vector of them) whose contexts' group is g, the
// contexts' planes in planes[0 .. kGroupedPlanes) (absent ones zero).
// V takes &, |, ^, ~ and V{} as zero: a uint64_t, or __m256i (__m512i)
// where the caller is compiled for AVX2 (AVX-512), with `functions` made
// for sizeof(PairSlot<V>).
template <int kGroupBits, typename V>
__attribute__((always_inline)) inline void PlaneGroupMasks(
    const V* planes, const PlaneGroupFunctions& functions, V* masks) {
  static_assert(kGroupBits >= 0 && kGroupBits <= kMaxGroupBits);
  if constexpr (kGroupBits == 0) {
    masks[0] = ~V{};
    return;
  } else {
    assert(functions.slot_bytes == sizeof(PairSlot<V>));
    const V p0 = planes[0];
    const V p1 = planes[1];
    // Every function of planes 0 and 1, by truth table n: bit p0 + 2 p1
    // of n is its value there. (Indexed by data: kept in memory.)
    PairSlot<V> pair[16];
    pair[0].value = V{};
    pair[1].value = ~(p0 | p1);
    pair[2].value = p0 & ~p1;
    pair[3].value = ~p1;
    pair[4].value = p1 & ~p0;
    pair[5].value = ~p0;
    pair[6].value = p0 ^ p1;
    pair[7].value = ~(p0 & p1);
    pair[8].value = p0 & p1;
    pair[9].value = ~(p0 ^ p1);
    pair[10].value = p0;
    pair[11].value = p0 | ~p1;
    pair[12].value = p1;
    pair[13].value = p1 | ~p0;
    pair[14].value = p0 | p1;
    pair[15].value = ~V{};
    const auto* const pair_bytes = reinterpret_cast<const char*>(pair);
    // The minterms of planes 2 and 3 and of planes 4 and 5: where planes
    // 2..5 read v is low[v & 3] & high[v >> 2] (upper[v] at the top).
    const V low[4] = {~(planes[2] | planes[3]), planes[2] & ~planes[3],
                      planes[3] & ~planes[2], planes[2] & planes[3]};
    const V high[4] = {~(planes[4] | planes[5]), planes[4] & ~planes[5],
                       planes[5] & ~planes[4], planes[4] & planes[5]};
    V bits[kGroupBits];
#pragma GCC unroll 6
    for (int b = 0; b < kGroupBits; ++b) {
      V bit = V{};
#pragma GCC unroll 16
      for (int v = 0; v < 16; ++v) {
        bit |= low[v & 3] & high[v >> 2] &
               reinterpret_cast<const PairSlot<V>*>(pair_bytes +
                                                    functions.offset[b][v])
                   ->value;
      }
      bits[b] = bit;
    }
    // Groups g and g + 2^b split the coordinates that agree on bits < b.
    masks[0] = ~V{};
#pragma GCC unroll 6
    for (int b = 0; b < kGroupBits; ++b) {
      const int width = 1 << b;
#pragma GCC unroll 32
      for (int g = width - 1; g >= 0; --g) {
        masks[g + width] = masks[g] & bits[b];
        masks[g] = masks[g] & ~bits[b];
      }
    }
  }
}

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_PLANE_GROUP_MASKS_H_
