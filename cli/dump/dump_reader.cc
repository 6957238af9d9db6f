#include "cli/dump/dump_reader.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/dump/natural_order.h"
#include "cli/dump/npy.h"
#include "cli/dump/npz.h"
#include "cli/dump/safetensors.h"
#include "cli/io/file_io.h"

namespace gradcodec::cli {
namespace fs = std::filesystem;

bool IsDumpFileName(const std::string& path) {
  return absl::EndsWith(path, ".safetensors") || absl::EndsWith(path, ".npy") ||
         absl::EndsWith(path, ".npz");
}

absl::StatusOr<DumpStep> ReadDumpFile(const std::string& path) {
  std::vector<uint8_t> bytes;
  DumpStep step;
  if (absl::Status s = ReadDumpFile(path, &bytes, &step); !s.ok()) return s;
  return step;
}

namespace {

// Moves every tensor's values into `flat`, tensor after tensor.
void MoveToFlat(DumpStep* step, std::vector<float>* flat) {
  flat->clear();
  for (DumpTensor& t : step->tensors) {
    flat->insert(flat->end(), t.values.begin(), t.values.end());
    t.values.clear();
  }
}

absl::Status ParseOther(const std::string& path,
                        const std::vector<uint8_t>& bytes, DumpStep* step) {
  if (absl::EndsWith(path, ".npz")) {
    absl::StatusOr<DumpStep> parsed = ParseNpz(path, bytes);
    if (!parsed.ok()) return parsed.status();
    *step = std::move(*parsed);
    return absl::OkStatus();
  }
  *step = DumpStep{};
  step->path = path;
  DumpTensor tensor;
  tensor.name = kLoneArrayName;
  std::string note;
  absl::StatusOr<NpyContent> content = ParseNpy(path, bytes, &tensor, &note);
  if (!content.ok()) return content.status();
  if (*content == NpyContent::kSkipped) {
    step->notes.push_back(std::move(note));
  } else {
    step->tensors.push_back(std::move(tensor));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadDumpFile(const std::string& path, std::vector<uint8_t>* bytes,
                          DumpStep* step, std::vector<float>* flat) {
  if (!IsDumpFileName(path)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a dump file (.safetensors, .npy or .npz)"));
  }
  if (absl::EndsWith(path, ".safetensors")) {
    return ReadSafetensors(path, bytes, step, flat);  // reuses buffers
  }
  if (absl::Status s = ReadFileBytes(path, bytes); !s.ok()) return s;
  if (absl::Status s = ParseOther(path, *bytes, step); !s.ok()) return s;
  if (flat != nullptr) MoveToFlat(step, flat);
  return absl::OkStatus();
}

absl::Status CheckSameTensors(const std::string& path,
                              const std::vector<DumpTensor>& tensors,
                              const std::string& reference_path,
                              const std::vector<DumpTensor>& reference,
                              bool compare_dtypes) {
  for (size_t i = 0; i < std::max(tensors.size(), reference.size()); ++i) {
    if (i >= tensors.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": tensor '", reference[i].name, "' of ",
                       reference_path, " is missing"));
    }
    if (i >= reference.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": tensor '", tensors[i].name, "' is not in ", reference_path));
    }
    const DumpTensor& want = reference[i];
    const DumpTensor& got = tensors[i];
    if (got.name != want.name) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": tensor ", i, " is '", got.name, "' where ",
                       reference_path, " has '", want.name, "'"));
    }
    if (got.shape != want.shape) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": tensor '", got.name, "' has shape [",
          absl::StrJoin(got.shape, ", "), "] where ", reference_path, " has [",
          absl::StrJoin(want.shape, ", "), "]"));
    }
    if (compare_dtypes && got.dtype != want.dtype) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": tensor '", got.name, "' is ", DTypeName(got.dtype),
          " where ", reference_path, " has ", DTypeName(want.dtype)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<DumpSource> DumpSource::Open(
    const std::vector<std::string>& inputs) {
  if (inputs.empty()) return absl::InvalidArgumentError("no input given");
  std::vector<std::string> paths;
  for (const std::string& input : inputs) {
    std::error_code error;
    const fs::file_status status = fs::status(input, error);
    if (error || !fs::exists(status)) {
      return absl::NotFoundError(absl::StrCat(input, ": no such file or folder"));
    }
    if (!fs::is_directory(status)) {
      if (!IsDumpFileName(input)) {
        return absl::InvalidArgumentError(absl::StrCat(
            input, ": not a dump file (.safetensors, .npy or .npz)"));
      }
      paths.push_back(input);
      continue;
    }
    std::vector<std::string> found;
    for (fs::directory_iterator it(input, error), end; !error && it != end;
         it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (it->is_regular_file() && IsDumpFileName(name)) found.push_back(name);
    }
    if (error) {
      return absl::UnavailableError(
          absl::StrCat(input, ": cannot list the folder: ", error.message()));
    }
    if (found.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          input, ": the folder holds no dump files (.safetensors, .npy, .npz)"));
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return NaturalLess(a, b);
    });
    for (const std::string& name : found) {
      paths.push_back((fs::path(input) / name).string());
    }
  }
  return DumpSource(std::move(paths));
}

absl::StatusOr<DumpStep> DumpSource::ReadStep(size_t index) {
  DumpStep step;
  if (absl::Status s = ReadStep(index, &step); !s.ok()) return s;
  return step;
}

absl::Status DumpSource::ReadStep(size_t index, DumpStep* step,
                                  std::vector<float>* flat) {
  const std::string& path = paths_.at(index);
  if (absl::Status s = ReadDumpFile(path, &file_bytes_, step, flat); !s.ok()) {
    return s;
  }
  if (step->tensors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no floating-point tensors to compress"));
  }
  if (!have_first_) {
    have_first_ = true;
    first_path_ = path;
    for (const DumpTensor& t : step->tensors) {
      signature_.push_back({t.name, t.shape, t.dtype, {}});
    }
    return absl::OkStatus();
  }
  return CheckSameTensors(path, step->tensors, first_path_, signature_,
                          /*compare_dtypes=*/true);
}

}  // namespace gradcodec::cli
