// `gradcodec decompress IN.gcs -o OUTDIR`: writes the reconstructed update
// of every step (or of --steps A:B) with the original tensor names, shapes
// and dtypes.
#ifndef GRADCODEC_CLI_COMMANDS_DECOMPRESS_H_
#define GRADCODEC_CLI_COMMANDS_DECOMPRESS_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"

namespace gradcodec::cli {

enum class OutputFormat { kSafetensors, kNpy, kNpz };

// Steps [begin, end) of the file, Python-slice style.
struct StepRange {
  uint64_t begin = 0;
  std::optional<uint64_t> end;
};

// "A:B", "A:", ":B" or "A" (one step). INVALID_ARGUMENT otherwise.
absl::StatusOr<StepRange> ParseStepRange(const std::string& text);

struct DecompressOptions {
  std::string input;
  std::string output_dir;
  StepRange steps;
  OutputFormat format = OutputFormat::kSafetensors;
  bool quiet = false;
};

// Files written: safetensors and npz, one file per step named after the
// step (as compress recorded it); npy, one file per tensor per step named
// "<step>.<tensor>.npy" ('/' in a tensor name becomes '%2F'). bf16
// tensors are widened to float32 in npy and npz (NumPy has no bf16).
// Either every file is written or none (see StagedFiles). Returns the exit
// status.
int RunDecompress(const DecompressOptions& options, std::ostream& out,
                  std::ostream& err);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_COMMANDS_DECOMPRESS_H_
