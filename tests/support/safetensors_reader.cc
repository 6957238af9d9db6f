#include "safetensors_reader.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "cli/dump/dump_reader.h"

namespace gradcodec::testing {

absl::StatusOr<std::vector<DumpTensor>> ReadSafetensorsF32(
    const std::string& path) {
  absl::StatusOr<cli::DumpStep> step = cli::ReadDumpFile(path);
  if (!step.ok()) return step.status();
  for (const DumpTensor& tensor : step->tensors) {
    if (tensor.dtype != DType::kFloat32) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": tensor ", tensor.name, " is not F32"));
    }
  }
  return std::move(step->tensors);
}

std::string SharedGradsDir() {
  const std::filesystem::path dir =
      std::filesystem::path(GRADCODEC_SHARED_DATA_DIR) / "grads";
  return std::filesystem::is_directory(dir) ? dir.string() : "";
}

absl::StatusOr<std::vector<std::vector<float>>> ReadDumpSteps(
    const std::string& folder) {
  absl::StatusOr<cli::DumpSource> source = cli::DumpSource::Open({folder});
  if (!source.ok()) return source.status();
  std::vector<std::vector<float>> steps(source->step_paths().size());
  cli::DumpStep step;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (absl::Status s = source->ReadStep(i, &step, &steps[i]); !s.ok()) {
      return s;
    }
  }
  return steps;
}

}  // namespace gradcodec::testing
