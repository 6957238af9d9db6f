// One encoder and decoder per shifted compressor, behind compressor.h's
// Compress and Decompress (which check the reconstruction is finite).
#ifndef GRADCODEC_CODEC_SHIFTED_COMPRESSOR_PARTS_H_
#define GRADCODEC_CODEC_SHIFTED_COMPRESSOR_PARTS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "codec/shifted/compressor.h"
#include "codec/splitmix64.h"

namespace gradcodec::internal {

// sparse.cc
void CompressTopK(const CompressorConfig& config, absl::Span<const float> x,
                  std::vector<uint8_t>* payload, absl::Span<float> q);
absl::Status DecompressTopK(const CompressorConfig& config,
                            absl::Span<const uint8_t> payload,
                            absl::Span<float> q);
void CompressRandK(const CompressorConfig& config, absl::Span<const float> x,
                   SplitMix64& shared, std::vector<uint8_t>* payload,
                   absl::Span<float> q);
absl::Status DecompressRandK(const CompressorConfig& config,
                             absl::Span<const uint8_t> payload,
                             SplitMix64& shared, absl::Span<float> q);
// The k indices rand_k draws for n coordinates, in increasing order
// (spec section 11.11.2).
std::vector<uint64_t> RandKIndices(uint64_t n, uint64_t k, SplitMix64& shared);

// dither.cc
void CompressDither(const CompressorConfig& config, absl::Span<const float> x,
                    absl::Span<const uint64_t> block_starts, SplitMix64& own,
                    std::vector<uint8_t>* payload, absl::Span<float> q);
absl::Status DecompressDither(const CompressorConfig& config,
                              absl::Span<const uint8_t> payload,
                              absl::Span<const uint64_t> block_starts,
                              absl::Span<float> q);

// natural.cc
void CompressNatural(absl::Span<const float> x, SplitMix64& own,
                     std::vector<uint8_t>* payload, absl::Span<float> q);
absl::Status DecompressNatural(absl::Span<const uint8_t> payload,
                               absl::Span<float> q);

// casts.cc
void CompressCast(const CompressorConfig& config, absl::Span<const float> x,
                  std::vector<uint8_t>* payload, absl::Span<float> q);
absl::Status DecompressCast(const CompressorConfig& config,
                            absl::Span<const uint8_t> payload,
                            absl::Span<float> q);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SHIFTED_COMPRESSOR_PARTS_H_
