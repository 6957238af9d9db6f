#include "safetensors_reader.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace gradcodec::testing {

absl::StatusOr<std::vector<DumpTensor>> ReadSafetensorsF32(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  uint64_t header_size = 0;
  if (bytes.size() < 8) return absl::DataLossError(path + ": too short");
  std::memcpy(&header_size, bytes.data(), 8);
  if (header_size > bytes.size() - 8) {
    return absl::DataLossError(path + ": header length beyond the file");
  }
  const auto header = nlohmann::json::parse(
      bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(header_size),
      nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    return absl::DataLossError(path + ": malformed JSON header");
  }
  const size_t data_start = 8 + header_size;
  std::vector<std::pair<uint64_t, DumpTensor>> tensors;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    if (entry.value("dtype", "") != "F32") {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": tensor ", name, " is not F32"));
    }
    const auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
    DumpTensor tensor;
    tensor.name = name;
    tensor.shape = entry.at("shape").get<std::vector<uint64_t>>();
    if (offsets.size() != 2 || offsets[1] < offsets[0] ||
        data_start + offsets[1] > bytes.size() ||
        (offsets[1] - offsets[0]) % 4 != 0) {
      return absl::DataLossError(
          absl::StrCat(path, ": bad data_offsets for ", name));
    }
    tensor.values.resize((offsets[1] - offsets[0]) / 4);
    std::memcpy(tensor.values.data(), bytes.data() + data_start + offsets[0],
                offsets[1] - offsets[0]);
    tensors.emplace_back(offsets[0], std::move(tensor));
  }
  std::sort(tensors.begin(), tensors.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<DumpTensor> result;
  for (auto& [offset, tensor] : tensors) result.push_back(std::move(tensor));
  return result;
}

std::string SharedGradsDir() {
  const std::filesystem::path dir =
      std::filesystem::path(GRADCODEC_SHARED_DATA_DIR) / "grads";
  return std::filesystem::is_directory(dir) ? dir.string() : "";
}

absl::StatusOr<std::vector<std::vector<float>>> ReadDumpSteps(
    const std::string& folder) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == ".safetensors") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::vector<float>> steps;
  for (const std::string& file : files) {
    absl::StatusOr<std::vector<DumpTensor>> tensors = ReadSafetensorsF32(file);
    if (!tensors.ok()) return tensors.status();
    std::vector<float>& flat = steps.emplace_back();
    for (const DumpTensor& tensor : *tensors) {
      flat.insert(flat.end(), tensor.values.begin(), tensor.values.end());
    }
  }
  return steps;
}

}  // namespace gradcodec::testing
