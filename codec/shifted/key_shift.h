// The `shift` section payload (spec/FORMAT.md section 11.10.5): the
// sender's evolving shift h in a key packet, so that a key packet hands the
// receiver the h it had learned instead of restarting it from zero.
//
//   u8 shift_layout
//   0 (interleaved): one byte stream of 4 n symbols, the float32 values
//   1 (planes):      plane_0 .. plane_3, prefixed byte streams of n
//                    symbols; plane p holds byte p (little-endian order)
//                    of every h_i's bit pattern
//
// Neither layout is smallest for every shift (measured by
// bench/key_shift_size): planes give each byte its own frequency table,
// which wins on a dense learned shift whose sign-and-exponent plane is far
// from uniform and whose low mantissa plane is close to it; interleaved
// zstd wins on a sparse shift (EF21 with a small top_k) or one of few
// distinct values (DIANA's first steps with dither), whose zero runs and
// repeated 4-byte patterns the planes break apart. The encoder writes both
// and keeps the smaller; key packets are rare enough to afford it.
#ifndef GRADCODEC_CODEC_SHIFTED_KEY_SHIFT_H_
#define GRADCODEC_CODEC_SHIFTED_KEY_SHIFT_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace gradcodec::internal {

// Spec field `shift_layout`.
enum class ShiftLayout : uint8_t {
  kInterleaved = 0,
  kPlanes = 1,
};

// Whether every h_i is +0.0 (bit pattern 0): the h a key packet leaves
// out of its `shift` section, which a stream's first key always has.
bool ShiftIsZero(absl::Span<const float> h);

// The bytes the layouts code: h's float32 bit patterns little-endian,
// value after value (interleaved), or byte p of every value (plane p, p in
// 0..3).
std::vector<uint8_t> InterleavedShiftBytes(absl::Span<const float> h);
std::vector<uint8_t> ShiftBytePlane(absl::Span<const float> h, int p);

// Appends the payload for h (finite values) in `layout`, each byte stream
// with whichever of rans (stored when that is not smaller) and zstd makes
// it smaller.
void WriteKeyShift(absl::Span<const float> h, ShiftLayout layout,
                   std::vector<uint8_t>* out);
// The same in the layout that gives the smaller payload.
void WriteKeyShift(absl::Span<const float> h, std::vector<uint8_t>* out);

// Reads a payload into h (h.size() values). Errors in order: TRUNCATED
// for an empty payload, INVALID_FIELD for a `shift_layout` other than 0
// or 1; then the byte streams' (for planes, each plane's in order:
// LENGTH_OUT_OF_BOUNDS, the byte stream's own, CORRUPT_PAYLOAD for other
// than n symbols) and TRAILING_BYTES after plane_3; then INVALID_FIELD for
// a value that is not finite, naming its coordinate. On error h holds
// unspecified values.
absl::Status ReadKeyShift(absl::Span<const uint8_t> payload,
                          absl::Span<float> h);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_KEY_SHIFT_H_
