#include "cli/commands/stream_file.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands/codec_settings.h"
#include "cli/io/file_io.h"

namespace gradcodec::cli {

absl::StatusOr<std::unique_ptr<StreamFile>> StreamFile::Open(
    const std::string& path) {
  auto file = std::make_unique<StreamFile>();
  file->path = path;
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  file->bytes = std::move(*bytes);
  absl::StatusOr<ContainerReader> reader = ContainerReader::Open(file->bytes);
  if (!reader.ok()) {
    return absl::Status(
        reader.status().code(),
        absl::StrCat(path, ": not a readable .gcs file: file header: ",
                     reader.status().message()));
  }
  file->container.emplace(std::move(*reader));
  file->step_names = StepNamesOf(file->container->metadata().settings);
  return file;
}

std::string StreamFile::StepName(size_t i) const {
  const std::vector<std::string>& names = step_names;
  if (names.size() == container->entries().size() && !names[i].empty() &&
      names[i].find('/') == std::string::npos && names[i] != "." &&
      names[i] != "..") {
    return names[i];
  }
  return absl::StrFormat("step_%06u", i);
}

}  // namespace gradcodec::cli
