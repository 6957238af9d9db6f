// The reference points `analyze` prints beside the codec's methods: what a
// user gets without gradcodec.
//
//   fp16, bf16        casting each float (16 bits per coordinate);
//   zstd-3 fp32       zstd level 3 on the float32 bytes (lossless);
//   signs+zstd        one sign bit per coordinate, packed and zstd-3
//                     compressed, plus a float32 scale per tensor (the mean
//                     |v|), no error feedback: the headerless 1-bit payloads
//                     of the usual DDP hooks, entropy-coded by a general
//                     compressor.
#ifndef GRADCODEC_CLI_COMMANDS_BASELINES_H_
#define GRADCODEC_CLI_COMMANDS_BASELINES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "cli/commands/encode_run.h"

namespace gradcodec::cli {

enum class Baseline { kFp16, kBf16, kZstdFp32, kSignsZstd };

inline constexpr Baseline kAllBaselines[] = {
    Baseline::kFp16, Baseline::kBf16, Baseline::kZstdFp32,
    Baseline::kSignsZstd};

const char* BaselineName(Baseline baseline);

// Measures one baseline step by step, as EncodeMeter measures a method.
class BaselineMeter {
 public:
  BaselineMeter(Baseline baseline, const DumpStep& first_step);
  void AddStep(absl::Span<const float> flat);
  RunReport Finish() const { return report_; }

 private:
  Baseline baseline_;
  RunReport report_;
  std::vector<uint64_t> tensor_starts_;
  std::vector<float> output_;
  std::vector<uint8_t> bytes_, compressed_;
};

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_COMMANDS_BASELINES_H_
