// Interleaved rANS over byte symbols: the engine under every static coder.
//
// ---- Read me first --------------------------------------------------------
// rANS (Duda's range asymmetric numeral systems; this follows Fabian
// Giesen's ryg_rans) keeps the coder state in an integer x. Encoding symbol s
// with frequency f_s and cumulative start c_s out of M = 2^kScaleBits maps
//   x -> (x / f_s) * M + (x mod f_s) + c_s
// and decoding inverts it from the low bits of x. To keep x in a fixed
// interval [L, L * 2^16) the encoder first pushes out 16-bit words while x is
// too large for the symbol, and the decoder pulls words back in while x < L.
//
// Parameters (spec/FORMAT.md, "rANS streams"):
//   - state x: 32 bits, interval [kRansLow, kRansLow << 16) = [2^15, 2^31);
//   - words: 16 bits, little-endian;
//   - M = 2^12: frequencies sum to 4096, so a decode table is 4096 u32
//     (16 KiB) and stays in L1;
//   - interleaved states: symbol i is coded with state i mod N, which lets
//     a CPU overlap N independent dependency chains. N (the stream's
//     `rans_lanes` byte) is 4 or 32: 32 lanes fill four AVX2 vectors of
//     eight, and the encoder takes them for streams long enough that their
//     112 extra bytes of states do not matter (RansLanesFor).
//
// rANS is LIFO: the encoder runs over the symbols backwards, writing words
// from the end of its buffer towards the front, and the decoder then reads
// forwards. The encoder starts every state at kRansLow; after the last
// symbol a correct decoder is back there, which is the stream's end check.
//
// Division-free encoding: x / f_s is the high half of one 64x64-bit
// multiply by a reciprocal scaled by 2^64 (Alverson's method, as in
// ryg_rans, with the shift folded into the reciprocal), exact for the
// 31-bit states and 12-bit frequencies used here.
// ---------------------------------------------------------------------------
#ifndef GRADCODEC_CODEC_ENTROPY_RANS_CORE_H_
#define GRADCODEC_CODEC_ENTROPY_RANS_CORE_H_

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/numeric/int128.h"

namespace gradcodec::internal {

inline constexpr int kRansScaleBits = 12;
inline constexpr uint32_t kRansScale = 1u << kRansScaleBits;  // M
inline constexpr uint32_t kRansLow = 1u << 15;                // L
inline constexpr int kRansNarrowLanes = 4;
inline constexpr int kRansWideLanes = 32;
inline constexpr int kRansMaxLanes = kRansWideLanes;

// The encoder's choice of lanes for a stream of `symbol_count` symbols that
// is expected to take about `expected_bytes`: wide once there are enough
// symbols for the vector encoder to pay and the extra states cost at most
// 0.7% of the stream. Any choice decodes; this one is the library's.
inline constexpr int RansLanesFor(uint64_t symbol_count,
                                  double expected_bytes) {
  return symbol_count >= (uint64_t{1} << 15) && expected_bytes >= 16384
             ? kRansWideLanes
             : kRansNarrowLanes;
}

// Everything the encoder needs to code one symbol without dividing.
struct RansEncSymbol {
  uint64_t rcp_freq;   // x / freq = high 64 bits of x * rcp_freq
  uint32_t x_max;      // renormalise (emit a word) while x >= x_max
  uint32_t bias;       // start, adjusted for freq == 1
  uint32_t cmpl_freq;  // M - freq
};

// `freq` in [1, M], start + freq <= M.
inline RansEncSymbol MakeRansEncSymbol(uint32_t start, uint32_t freq) {
  assert(freq >= 1 && start + freq <= kRansScale);
  RansEncSymbol s;
  s.x_max = ((kRansLow >> kRansScaleBits) << 16) * freq;
  s.cmpl_freq = kRansScale - freq;
  if (freq < 2) {
    // x / 1 = x, but 2^64 does not fit: a reciprocal of 2^64 - 1 gives
    // x - 1 for x >= 1, which the bias corrects (ryg_rans, freq < 2).
    s.rcp_freq = ~uint64_t{0};
    s.bias = start + kRansScale - 1;
  } else {
    // ceil(2^43 / freq) << 21: exact division for x < 2^31 because
    // 43 >= 31 + log2(freq).
    s.rcp_freq = (((uint64_t{1} << 43) + freq - 1) / freq) << 21;
    s.bias = start;
  }
  return s;
}

// Encodes one symbol into state `x`, writing at most one 16-bit word (two
// bytes, little-endian) just below `out`. Branch-free: whether a word goes
// out is as unpredictable as the data, so the word is always stored and
// the pointer only moves when it counts (the two bytes below `out` must be
// writable).
inline void RansEncPut(uint32_t& x, uint8_t*& out, const RansEncSymbol& s) {
  const uint32_t emit = x >= s.x_max ? 1 : 0;
  const auto word = static_cast<uint16_t>(x);  // little-endian host
  std::memcpy(out - 2, &word, 2);
  out -= 2 * emit;
  x >>= 16 * emit;
  const auto q = static_cast<uint32_t>(
      absl::Uint128High64(absl::uint128(x) * s.rcp_freq));
  x = x + s.bias + q * s.cmpl_freq;
}

// A decode table entry per slot of [0, M): the symbol, its frequency minus
// one and the slot's offset within the symbol's range, packed in 32 bits so
// that the table is 16 KiB.
struct RansDecodeTable {
  std::array<uint32_t, kRansScale> slots;

  static uint32_t Pack(uint8_t symbol, uint32_t freq, uint32_t offset) {
    return static_cast<uint32_t>(symbol) | ((freq - 1) << 8) | (offset << 20);
  }
  static uint8_t Symbol(uint32_t entry) { return entry & 0xFF; }
  static uint32_t Freq(uint32_t entry) { return ((entry >> 8) & 0xFFF) + 1; }
  static uint32_t Offset(uint32_t entry) { return entry >> 20; }
};

// Decodes one symbol from state `x`. Reads a word from [in, end) when the
// state runs low; past `end` it sets `overrun` and reads zeros, so a damaged
// stream can never read out of bounds (the caller reports the overrun).
// The two halves of a decode step, for loops that decode a group of lanes
// at once: first every lane's symbol (RansDecStep), then every lane's
// renormalisation (RansDecRenorm) at word offsets computed together, so the
// word loads do not wait on each other.
inline uint8_t RansDecStep(uint32_t& x, const RansDecodeTable& table) {
  const uint32_t entry = table.slots[x & (kRansScale - 1)];
  x = RansDecodeTable::Freq(entry) * (x >> kRansScaleBits) +
      RansDecodeTable::Offset(entry);
  return RansDecodeTable::Symbol(entry);
}

// Pulls in the word at `in` if the state needs one; returns 1 if it did.
// Two bytes must be readable at `in`.
inline uint32_t RansDecRenorm(uint32_t& x, const uint8_t* in) {
  const uint32_t take = x < kRansLow ? 1 : 0;
  const uint32_t word =
      static_cast<uint32_t>(in[0]) | (static_cast<uint32_t>(in[1]) << 8);
  x = (x << (16 * take)) | (word & (0u - take));
  return take;
}

inline uint8_t RansDecGet(uint32_t& x, const uint8_t*& in, const uint8_t* end,
                          bool& overrun, const RansDecodeTable& table) {
  const uint32_t entry = table.slots[x & (kRansScale - 1)];
  x = RansDecodeTable::Freq(entry) * (x >> kRansScaleBits) +
      RansDecodeTable::Offset(entry);
  if (end - in >= 2) {
    // Branch-free while a word remains: it is always loaded and only
    // consumed when the state needs it.
    const uint32_t take = x < kRansLow ? 1 : 0;
    const uint32_t word =
        static_cast<uint32_t>(in[0]) | (static_cast<uint32_t>(in[1]) << 8);
    x = (x << (16 * take)) | (word & (0u - take));
    in += 2 * take;
  } else if (x < kRansLow) {
    overrun = true;
    x <<= 16;
  }
  return RansDecodeTable::Symbol(entry);
}

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_RANS_CORE_H_
