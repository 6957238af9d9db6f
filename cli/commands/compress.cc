#include "cli/commands/compress.h"

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "cli/commands/encode_run.h"
#include "cli/dump/step_reader.h"
#include "cli/exit_codes.h"
#include "cli/io/file_io.h"
#include "cli/report/progress.h"
#include "cli/report/run_report_output.h"
#include "gradcodec/container.h"
#include "gradcodec/names.h"

namespace gradcodec::cli {
namespace {

int Fail(const absl::Status& status, std::ostream& err) {
  return ReportFailure("compress", status, err);
}

std::vector<std::string> StepNames(const std::vector<std::string>& paths) {
  std::vector<std::string> names;
  for (const std::string& path : paths) {
    names.push_back(std::filesystem::path(path).stem().string());
  }
  return names;
}

}  // namespace

int RunCompress(const CompressOptions& options, std::ostream& out,
                std::ostream& err) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<DumpSource> source = DumpSource::Open(options.inputs);
  if (!source.ok()) return Fail(source.status(), err);
  const size_t steps = source->step_paths().size();

  // The next step is read while this one is encoded.
  StepReader reader(&*source);
  const DumpStep* step = nullptr;
  const std::vector<float>* flat = nullptr;
  if (absl::Status s = reader.Next(&step, &flat); !s.ok()) return Fail(s, err);
  absl::StatusOr<std::unique_ptr<EncodeMeter>> meter =
      EncodeMeter::Create(options.settings, *step);
  if (!meter.ok()) return Fail(meter.status(), err);

  ContainerMetadata metadata;
  metadata.layout = LayoutOf(step->tensors, options.settings.block_size);
  metadata.settings =
      ToContainerSettings(options.settings, StepNames(source->step_paths()));
  std::vector<uint8_t> file;
  VectorByteSink sink(&file);
  absl::StatusOr<ContainerWriter> writer =
      ContainerWriter::Create(metadata, &sink);
  if (!writer.ok()) return Fail(writer.status(), err);

  uint64_t packet_bytes = 0;
  const PacketSink append = [&](absl::Span<const uint8_t> packet) {
    packet_bytes += packet.size();
    return writer->AppendPacket(packet);
  };
  Progress progress("compress: step", steps, options.quiet);
  for (size_t i = 0; i < steps; ++i) {
    if (i > 0) {
      if (absl::Status s = reader.Next(&step, &flat); !s.ok()) {
        return Fail(s, err);
      }
    }
    if (absl::Status s = (*meter)->AddStep(*step, *flat, append); !s.ok()) {
      return Fail(s, err);
    }
    progress.Update(i + 1);
  }
  if (absl::Status s = writer->Finish(); !s.ok()) return Fail(s, err);
  if (absl::Status s = WriteFileAtomically(options.output, file); !s.ok()) {
    return Fail(s, err);
  }

  RunReport report = (*meter)->Finish();
  AddFramingBytes(file.size() - packet_bytes, &report);
  report.wall_seconds = std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  if (options.json) {
    nlohmann::json json = RunReportJson(report);
    json["output"] = options.output;
    json["settings"] = nlohmann::json::object();
    for (const auto& [key, value] : metadata.settings) {
      if (key != "step_names") json["settings"][key] = value;
    }
    out << json.dump(2) << "\n";
    return kExitOk;
  }
  out << "gradcodec compress: " << steps << " steps of "
      << report.coordinates << " coordinates (" << report.tensors.size()
      << " tensors) -> " << options.output << "\n";
  out << "method " << MethodName(options.settings.method) << ", block size "
      << options.settings.block_size << ", coder "
      << SignCoderName(options.settings.coder) << ", momentum "
      << options.settings.momentum << ", key interval "
      << options.settings.key_interval;
  if (options.settings.lambda) out << ", lambda " << *options.settings.lambda;
  if (options.settings.target_bits) {
    out << ", target " << *options.settings.target_bits << " bits/coord";
  }
  out << "\n\n" << RenderRunReport(report);
  return kExitOk;
}

}  // namespace gradcodec::cli
