#include "codec/shifted/compressor.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "codec/shifted/compressor_parts.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {

bool IsUnbiased(const CompressorConfig& config) {
  switch (config.method) {
    case Method::kRandK:
    case Method::kDither:
    case Method::kNatural:
    case Method::kFp32:
      return true;
    default:
      return false;
  }
}

double Omega(const CompressorConfig& config, uint64_t n, uint64_t max_block) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  switch (config.method) {
    case Method::kRandK:
      if (n == 0) return 0;
      if (config.k == 0) return kInfinity;
      return static_cast<double>(n) / static_cast<double>(config.k) - 1;
    case Method::kDither: {
      // Alistarh et al., Lemma 3.1: E||Q(x) - x||^2 <= min(d/s^2,
      // sqrt(d)/s) ||x||^2 for a block of d coordinates; per block, so the
      // largest block bounds the whole vector.
      const double d = static_cast<double>(max_block);
      const double s = config.levels;
      return std::min(d / (s * s), std::sqrt(d) / s);
    }
    case Method::kNatural:
      return 1.0 / 8;
    case Method::kFp32:
      return 0;
    default:
      return kInfinity;
  }
}

namespace {

bool AllFinite(absl::Span<const float> q) {
  return std::all_of(q.begin(), q.end(),
                     [](float v) { return std::isfinite(v); });
}

}  // namespace

absl::Status Compress(const CompressorConfig& config, absl::Span<const float> x,
                      absl::Span<const uint64_t> block_starts,
                      SplitMix64& shared, SplitMix64& own,
                      std::vector<uint8_t>* payload, absl::Span<float> q) {
  switch (config.method) {
    case Method::kTopK:
      CompressTopK(config, x, payload, q);
      break;
    case Method::kRandK:
      CompressRandK(config, x, shared, payload, q);
      break;
    case Method::kDither:
      CompressDither(config, x, block_starts, own, payload, q);
      break;
    case Method::kNatural:
      CompressNatural(x, own, payload, q);
      break;
    default:
      CompressCast(config, x, payload, q);
      break;
  }
  // Only rand_k's d/k scaling can leave float32 range for a finite input.
  if (!AllFinite(q)) {
    return MakeError(ErrorCode::kNonFiniteInput,
                     "a compressed coordinate overflows float32 once scaled "
                     "by d/k");
  }
  return absl::OkStatus();
}

absl::Status Decompress(const CompressorConfig& config,
                        absl::Span<const uint8_t> payload,
                        absl::Span<const uint64_t> block_starts,
                        SplitMix64& shared, absl::Span<float> q) {
  absl::Status status;
  switch (config.method) {
    case Method::kTopK:
      status = DecompressTopK(config, payload, q);
      break;
    case Method::kRandK:
      status = DecompressRandK(config, payload, shared, q);
      break;
    case Method::kDither:
      status = DecompressDither(config, payload, block_starts, q);
      break;
    case Method::kNatural:
      status = DecompressNatural(payload, q);
      break;
    default:
      status = DecompressCast(config, payload, q);
      break;
  }
  if (!status.ok()) return status;
  if (!AllFinite(q)) {
    return MakeError(ErrorCode::kInvalidField,
                     "a value scaled by d/k is not finite");
  }
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
