#include "cli/commands/inspect.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "cli/commands/codec_settings.h"
#include "absl/strings/str_join.h"
#include "cli/commands/stream_file.h"
#include "cli/dump/dump_tensor.h"
#include "cli/exit_codes.h"
#include "cli/report/table.h"
#include "gradcodec/names.h"
#include "gradcodec/packet_info.h"

namespace gradcodec::cli {
namespace {

std::string SectionsText(const PacketInfo& info) {
  std::vector<std::string> parts;
  for (const SectionInfo& s : info.sections) {
    parts.push_back(absl::StrCat(SectionTypeName(s.type), "=", s.size));
  }
  return absl::StrJoin(parts, " ");
}

}  // namespace

int RunInspect(const InspectOptions& options, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<std::unique_ptr<StreamFile>> file =
      StreamFile::Open(options.input);
  if (!file.ok()) {
    err << "gradcodec inspect: " << file.status().message() << "\n";
    return ExitCodeFor(file.status());
  }
  const ContainerReader& container = *(*file)->container;
  const ContainerMetadata& metadata = container.metadata();
  const auto& bytes = (*file)->bytes;
  const uint64_t coordinates = metadata.layout.coordinate_count();

  nlohmann::json json;
  json["file"] = options.input;
  json["file_bytes"] = bytes.size();
  json["container_version"] =
      absl::StrCat(static_cast<int>(bytes[4]), ".", static_cast<int>(bytes[5]));
  json["layout_fingerprint"] = absl::StrCat(absl::Hex(container.layout_fingerprint(), absl::kZeroPad16));
  json["has_index"] = container.has_index();
  if (!container.has_index()) {
    json["index_problem"] = std::string(container.index_status().message());
    json["scan_stop"] = std::string(container.stop_reason().message());
    json["scan_stop_offset"] = container.stop_offset();
  }
  json["coordinates"] = coordinates;
  json["settings"] = nlohmann::json::object();
  for (const auto& [key, value] : metadata.settings) {
    json["settings"][key] = value;
  }
  json["tensors"] = nlohmann::json::array();
  Table layout({"tensor", "dtype", "shape", "coordinates", "block size"},
               /*text_columns=*/3);
  for (const TensorSpec& t : metadata.layout.tensors) {
    json["tensors"].push_back({{"name", t.name},
                               {"dtype", DTypeName(t.dtype)},
                               {"shape", t.shape},
                               {"coordinates", t.element_count()},
                               {"block_size", t.block_size}});
    layout.AddRow({t.name, DTypeName(t.dtype),
                   t.shape.empty() ? "scalar" : absl::StrJoin(t.shape, "x"),
                   absl::StrCat(t.element_count()),
                   t.block_size == 0 ? "tensor" : absl::StrCat(t.block_size)});
  }
  json["packets"] = nlohmann::json::array();
  Table packets({"packet", "kind", "sequence", "offset", "bytes", "bits/coord",
                 "sections (bytes)"},
                /*text_columns=*/2);
  const auto entries = container.entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    const ContainerEntry& e = entries[i];
    const double bits = coordinates > 0 ? 8.0 * static_cast<double>(e.packet_size) /
                                              static_cast<double>(coordinates)
                                        : 0.0;
    nlohmann::json packet = {{"index", i},
                             {"sequence", e.sequence},
                             {"offset", e.record_offset},
                             {"bytes", e.packet_size},
                             {"bits_per_coordinate", bits}};
    absl::StatusOr<PacketInfo> info = ReadPacketInfo(container.packet(i));
    std::string kind, sections;
    if (info.ok()) {
      kind = info->header.packet_kind == PacketKind::kKey ? "key" : "delta";
      sections = SectionsText(*info);
      packet["kind"] = kind;
      packet["method"] = std::string(
          MethodName(static_cast<Method>(info->header.method_id)));
      packet["sections"] = nlohmann::json::array();
      for (const SectionInfo& s : info->sections) {
        packet["sections"].push_back(
            {{"type", s.type},
             {"name", std::string(SectionTypeName(s.type))},
             {"bytes", s.size}});
      }
    } else {
      kind = "damaged";
      sections = std::string(info.status().message());
      packet["kind"] = kind;
      packet["error"] = sections;
    }
    json["packets"].push_back(packet);
    packets.AddRow({absl::StrCat(i), kind, absl::StrCat(e.sequence),
                    absl::StrCat(e.record_offset), absl::StrCat(e.packet_size),
                    FormatFixed(bits, 4), sections});
  }
  if (options.json) {
    out << json.dump(2) << "\n";
    return kExitOk;
  }
  out << options.input << ": .gcs container " << json["container_version"].get<std::string>()
      << ", " << bytes.size() << " bytes, " << entries.size() << " packets, "
      << coordinates << " coordinates per step, layout fingerprint "
      << json["layout_fingerprint"].get<std::string>() << "\n";
  if (!container.has_index()) {
    out << "no usable index (" << container.index_status().message()
        << "); the scan stopped at byte " << container.stop_offset() << ": "
        << (container.stop_reason().ok() ? "end of the records"
                                         : container.stop_reason().message())
        << "\n";
  }
  out << "\nsettings:\n";
  for (const auto& [key, value] : metadata.settings) {
    if (key == "step_names") {
      out << "  step_names: " << StepNamesOf(metadata.settings).size()
          << " names\n";
    } else {
      out << "  " << key << ": " << value << "\n";
    }
  }
  out << "\nlayout:\n" << layout.Render() << "\npackets:\n" << packets.Render();
  return kExitOk;
}

}  // namespace gradcodec::cli
