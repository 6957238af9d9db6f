#include "cli/commands/baselines.h"

#include <zstd.h>

#include <chrono>
#include <cmath>
#include <cstring>

#include "cli/commands/reconstruction_moments.h"
#include "gradcodec/half_float.h"

namespace gradcodec::cli {
namespace {

constexpr int kZstdLevel = 3;

// Compressed size of `bytes` at kZstdLevel, into `scratch`.
uint64_t ZstdSize(const std::vector<uint8_t>& bytes,
                  std::vector<uint8_t>* scratch) {
  scratch->resize(ZSTD_compressBound(bytes.size()));
  const size_t size = ZSTD_compress(scratch->data(), scratch->size(),
                                    bytes.data(), bytes.size(), kZstdLevel);
  return ZSTD_isError(size) ? bytes.size() : size;
}

}  // namespace

const char* BaselineName(Baseline baseline) {
  switch (baseline) {
    case Baseline::kFp16:
      return "fp16";
    case Baseline::kBf16:
      return "bf16";
    case Baseline::kZstdFp32:
      return "zstd-3 fp32";
    case Baseline::kSignsZstd:
      return "signs+zstd";
  }
  return "?";
}

BaselineMeter::BaselineMeter(Baseline baseline, const DumpStep& first_step)
    : baseline_(baseline) {
  // Blocks do not apply to a baseline.
  report_ = EmptyReport(BaselineName(baseline), first_step, 0, &tensor_starts_);
}

void BaselineMeter::AddStep(absl::Span<const float> flat) {
  const uint64_t n = flat.size();
  output_.resize(n);
  const auto start = std::chrono::steady_clock::now();
  uint64_t bytes = 0;
  switch (baseline_) {
    case Baseline::kFp16:
      for (uint64_t i = 0; i < n; ++i) output_[i] = HalfToFloat(FloatToHalf(flat[i]));
      bytes = 2 * n;
      break;
    case Baseline::kBf16:
      for (uint64_t i = 0; i < n; ++i) {
        output_[i] = BFloat16ToFloat(FloatToBFloat16(flat[i]));
      }
      bytes = 2 * n;
      break;
    case Baseline::kZstdFp32:
      bytes_.resize(4 * n);
      std::memcpy(bytes_.data(), flat.data(), 4 * n);
      bytes = ZstdSize(bytes_, &compressed_);
      std::copy(flat.begin(), flat.end(), output_.begin());  // lossless
      break;
    case Baseline::kSignsZstd: {
      bytes_.assign((n + 7) / 8, 0);
      for (uint64_t i = 0; i < n; ++i) {
        bytes_[i / 8] |= static_cast<uint8_t>(std::signbit(flat[i]) << (i % 8));
      }
      bytes = ZstdSize(bytes_, &compressed_) + 4 * report_.tensors.size();
      for (size_t k = 0; k < report_.tensors.size(); ++k) {
        double sum = 0;
        for (uint64_t i = tensor_starts_[k]; i < tensor_starts_[k + 1]; ++i) {
          sum += std::fabs(flat[i]);
        }
        const uint64_t count = tensor_starts_[k + 1] - tensor_starts_[k];
        const auto scale =
            static_cast<float>(count > 0 ? sum / static_cast<double>(count) : 0);
        for (uint64_t i = tensor_starts_[k]; i < tensor_starts_[k + 1]; ++i) {
          output_[i] = std::signbit(flat[i]) ? -scale : scale;
        }
      }
      break;
    }
  }
  report_.encode_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  report_.steps += 1;
  report_.output_bytes += bytes;
  for (size_t k = 0; k < report_.tensors.size(); ++k) {
    TensorReport& t = report_.tensors[k];
    const ReconstructionMoments m = MeasureDenseReconstruction(
        flat, output_, tensor_starts_[k], tensor_starts_[k + 1]);
    t.error_squares += m.error_squares;
    t.reference_squares += m.reference_squares;
    t.output_squares += m.output_squares;
    t.dot += m.dot;
    t.input_bytes += t.coordinates * DTypeSize(t.dtype);
    report_.input_bytes += t.coordinates * DTypeSize(t.dtype);
  }
}

}  // namespace gradcodec::cli
