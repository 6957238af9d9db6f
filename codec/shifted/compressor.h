// The compressors of the shifted family (Shulgin and Richtarik, "Shifted
// Compression Framework", UAI 2022; spec/FORMAT.md section 11.11): each
// maps a vector x to a payload and to Q(x), the float32 vector a receiver
// rebuilds from that payload bit for bit.
//
//   top_k    the k largest |x_i| (ties: lower index first), values as
//            fp32, fp16 or bf16, indices as varint gaps in a byte stream.
//            Biased, contractive: ||Q(x) - x||^2 <= (1 - k/d) ||x||^2.
//   rand_k   k coordinates drawn from the packet's shared generator (no
//            indices sent), scaled by d/k. Unbiased, omega = d/k - 1.
//   dither   QSGD with s levels: per block the norm ||x_b||_2 and, per
//            coordinate, a level in 0..s by stochastic rounding of
//            s |x_i| / ||x_b||, and a sign. Unbiased,
//            omega = min(|b|/s^2, sqrt(|b|)/s) for the largest block.
//   natural  stochastic rounding of |x_i| to a power of two: sign and
//            exponent only. Unbiased, omega = 1/8.
//   fp16, bf16  round to nearest (saturating): biased, tiny error.
//   fp32     lossless (omega = 0), stored or zstd.
//
// "Unbiased" means E[Q(x)] = x over the encoder's random numbers, up to
// float32 rounding of the reconstruction (and, for rand_k with fp16 or bf16
// values, up to the rounding of each kept value to that format, a relative
// bias below 2^-8 that DIANA then carries as a floor on its accuracy);
// omega bounds the variance: E||Q(x) - x||^2 <= omega ||x||^2.
#ifndef GRADCODEC_CODEC_SHIFTED_COMPRESSOR_H_
#define GRADCODEC_CODEC_SHIFTED_COMPRESSOR_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "codec/splitmix64.h"
#include "gradcodec/codec_options.h"

namespace gradcodec::internal {

// Spec field `value_format` (top_k and rand_k values).
enum class ValueFormat : uint8_t { kFp32 = 0, kFp16 = 1, kBf16 = 2 };

// The largest dither `levels` (levels travel as byte symbols 0..s).
inline constexpr uint32_t kMaxDitherLevels = 255;

// What a compressor needs beyond its input, as both sides know it (the
// stream's setup, spec section 11.10).
struct CompressorConfig {
  Method method = Method::kFp32;  // one of the shifted methods
  uint64_t k = 0;                 // top_k, rand_k: coordinates kept, <= n
  ValueFormat values = ValueFormat::kFp32;  // top_k, rand_k
  uint32_t levels = 0;            // dither: s, 1..kMaxDitherLevels
  bool zstd = false;              // fp32: zstd instead of stored bytes
};

// Whether E[Q(x)] = x.
bool IsUnbiased(const CompressorConfig& config);

// The variance bound omega of an unbiased compressor for vectors of `n`
// coordinates whose largest dither block holds `max_block` of them;
// +infinity for a biased one, and for rand_k with k = 0 and n > 0.
double Omega(const CompressorConfig& config, uint64_t n, uint64_t max_block);

// Compresses x: appends the payload to `payload` and writes Q(x) to `q`
// (x.size() floats). `block_starts` are the dither blocks (boundaries from
// 0 to n, spec section 11.3 for block_sign); other methods ignore them.
// `shared` is the packet's shared generator (rand_k's indices), `own` the
// encoder's (stochastic rounding). x must be finite; the config valid for
// x.size(). NON_FINITE_INPUT when rand_k's scaling by d/k overflows.
absl::Status Compress(const CompressorConfig& config, absl::Span<const float> x,
              absl::Span<const uint64_t> block_starts, SplitMix64& shared,
              SplitMix64& own, std::vector<uint8_t>* payload,
              absl::Span<float> q);

// Rebuilds Q(x) into `q` (n floats) from a payload Compress wrote with the
// same config, blocks and shared generator. Every value read from the
// payload is checked: TRUNCATED, LENGTH_OUT_OF_BOUNDS, LIMIT_EXCEEDED,
// MALFORMED_VARINT, CORRUPT_PAYLOAD (inconsistent counts or indices, bytes
// left over), INVALID_FIELD (a non-finite value or norm), and the entropy
// coders' errors. On error `q` holds unspecified values.
absl::Status Decompress(const CompressorConfig& config,
                        absl::Span<const uint8_t> payload,
                        absl::Span<const uint64_t> block_starts,
                        SplitMix64& shared, absl::Span<float> q);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_COMPRESSOR_H_
