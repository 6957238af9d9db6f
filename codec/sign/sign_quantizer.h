// The sign family's quantizer (spec/FORMAT.md, "Reconstruction of the sign
// methods"): packed sign bits, the best scale of a block for given signs,
// and the bit-exact reconstruction alpha_b * s_i.
//
// Sign bits are packed as bit streams are (section 1.4): bit i of the
// vector is bit i mod 64 of word i / 64, and it is 1 when coordinate i is
// negative. sign(0) = +1 (so are -0.0 and the bits of an empty tail).
#ifndef GRADCODEC_CODEC_SIGN_SIGN_QUANTIZER_H_
#define GRADCODEC_CODEC_SIGN_SIGN_QUANTIZER_H_

#include <cstddef>
#include <cstdint>

#include "absl/types/span.h"

namespace gradcodec::internal {

// Outputs of at least this many floats (16 MiB) are written with
// streaming stores, which skip reading the lines they overwrite (half the
// memory traffic of a pass that only writes) and leave the cache to data
// that fits in it.
inline constexpr uint64_t kStreamingStoreFloats = uint64_t{1} << 22;

// Whether `out` (of `count` floats) takes streaming stores.
bool UseStreamingStores(const float* out, uint64_t count);

// Orders streaming stores before what follows (call after the last).
void FinishStreamingStores();

// out[i] = -alpha_b if sign bit i is set, else alpha_b; with no blocks
// (method sign) the scale is 1. Exact: only a sign is applied.
void ReconstructSigns(const uint64_t* signs, uint64_t count,
                      absl::Span<const uint64_t> block_starts,
                      absl::Span<const float> scales, float* out);

// ReconstructSigns a range of coordinates at a time, the ranges in
// increasing order: for a decoder that writes the output as it decodes the
// signs, while they are in cache and in step with its work on them,
// rather than in a pass of its own after (where streaming stores to memory
// left the rest of the core idle).
class PiecewiseReconstruction {
 public:
  // The output of ReconstructSigns(signs, count, block_starts, scales,
  // out); the spans must outlive this.
  PiecewiseReconstruction(uint64_t count,
                          absl::Span<const uint64_t> block_starts,
                          absl::Span<const float> scales, float* out);
  // Orders the streaming stores, if any, before what follows.
  ~PiecewiseReconstruction();
  PiecewiseReconstruction(const PiecewiseReconstruction&) = delete;
  PiecewiseReconstruction& operator=(const PiecewiseReconstruction&) = delete;

  // Coordinates [first, min(end, count)) from their sign bits (bit i of
  // signs[i / 64]); `first` the end of the range before (0 for the
  // first). The AVX2 path may leave the range's last floats, those short
  // of a whole 64-byte line of `out`, to the next call (reading their
  // signs then from the same `signs`), and writes everything by the call
  // whose range ends at `count`.
  void Write(const uint64_t* signs, uint64_t first, uint64_t end);

 private:
  uint64_t count_;
  absl::Span<const uint64_t> block_starts_;
  absl::Span<const float> scales_;
  float* out_;
  bool stream_;
  size_t block_ = 0;  // the block that holds the next range's start
  uint64_t written_ = 0;  // the AVX2 path: coordinates written so far
};

// sum[i] += weight * Delta_i, with Delta_i as ReconstructSigns gives it
// (weight * alpha_b with the coordinate's sign: exactly weight * Delta_i).
void AddWeightedSigns(const uint64_t* signs, uint64_t count,
                      absl::Span<const uint64_t> block_starts,
                      absl::Span<const float> scales, float weight,
                      float* sum);

// out[i] = p[i] - Delta_i for `count` coordinates of one block of scale
// `scale`, sign bit i of `signs` (word i / 64) for coordinate i: the error
// memory's update, exactly p - Delta as the decoder will output Delta.
// `stream`: streaming stores, for an `out` 16-byte aligned.
void SubtractSignedScale(const float* p, const uint64_t* signs, uint64_t count,
                         float scale, float* out, bool stream);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SIGN_SIGN_QUANTIZER_H_
