#include "cli/commands/analyze.h"

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "cli/commands/baselines.h"
#include "cli/commands/encode_run.h"
#include "cli/dump/step_reader.h"
#include "cli/exit_codes.h"
#include "cli/report/progress.h"
#include "cli/report/run_report_output.h"
#include "cli/report/table.h"
#include "gradcodec/names.h"

namespace gradcodec::cli {
namespace {

int Fail(const absl::Status& status, std::ostream& err) {
  return ReportFailure("analyze", status, err);
}

}  // namespace

int RunAnalyze(const AnalyzeOptions& options, std::ostream& out,
               std::ostream& err) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<DumpSource> source = DumpSource::Open(options.inputs);
  if (!source.ok()) return Fail(source.status(), err);
  const size_t steps = source->step_paths().size();
  std::vector<Method> methods = options.methods;
  // The default rows are the sign methods: the shifted family's casts
  // duplicate the fp16 and bf16 baselines, and its sparse methods are
  // asked for by name (--methods top_k,rand_k,...).
  if (methods.empty()) {
    methods.assign(std::begin(kSignMethods), std::end(kSignMethods));
  }

  std::vector<std::unique_ptr<EncodeMeter>> meters;
  std::vector<BaselineMeter> baselines;
  std::vector<std::string> notes;
  Progress progress("analyze: step", steps, options.quiet);
  StepReader reader(&*source);  // reads the next step while this one runs
  for (size_t i = 0; i < steps; ++i) {
    const DumpStep* step = nullptr;
    const std::vector<float>* flat = nullptr;
    if (absl::Status s = reader.Next(&step, &flat); !s.ok()) return Fail(s, err);
    if (i == 0) {
      for (Method method : methods) {
        CodecSettings settings = options.settings;
        settings.method = method;
        absl::StatusOr<std::unique_ptr<EncodeMeter>> meter =
            EncodeMeter::Create(settings, *step);
        if (!meter.ok()) return Fail(meter.status(), err);
        meters.push_back(std::move(*meter));
      }
      for (Baseline b : kAllBaselines) baselines.emplace_back(b, *step);
      notes = step->notes;
    }
    for (auto& meter : meters) {
      if (absl::Status s = meter->AddStep(*step, *flat, {}); !s.ok()) {
        return Fail(s, err);
      }
    }
    for (BaselineMeter& b : baselines) b.AddStep(*flat);
    progress.Update(i + 1);
  }

  std::vector<RunReport> reports;
  for (const auto& meter : meters) reports.push_back(meter->Finish());
  const size_t method_rows = reports.size();
  for (const BaselineMeter& b : baselines) reports.push_back(b.Finish());
  const double wall = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count();

  if (options.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (size_t r = 0; r < reports.size(); ++r) {
      nlohmann::json row = RunReportJson(reports[r]);
      row["kind"] = r < method_rows ? "method" : "baseline";
      if (r >= method_rows) row.erase("ef_residual");
      rows.push_back(std::move(row));
    }
    const RunReport& first = reports.front();
    out << nlohmann::json({{"steps", first.steps},
                           {"coordinates", first.coordinates},
                           {"input_bytes", first.input_bytes},
                           {"wall_seconds", wall},
                           {"notes", notes},
                           {"rows", rows}})
               .dump(2)
        << "\n";
    return kExitOk;
  }
  const RunReport& first = reports.front();
  out << "gradcodec analyze: " << steps << " steps of " << first.coordinates
      << " coordinates (" << first.tensors.size() << " tensors), block size "
      << options.settings.block_size << ", momentum "
      << options.settings.momentum << "\n\n";
  Table table({"method", "bits/coord", "vs fp32", "rel. error", "cosine",
               "EF residual", "encode M coord/s"});
  for (size_t r = 0; r < reports.size(); ++r) {
    if (r == method_rows) table.AddRule();
    const RunReport& report = reports[r];
    const double bits = report.bits_per_coordinate();
    table.AddRow({report.label, FormatFixed(bits, 4),
                  FormatRatio(bits > 0 ? 32.0 / bits : INFINITY),
                  FormatSignificant(report.relative_error()),
                  FormatFixed(report.cosine_similarity(), 4),
                  r < method_rows ? FormatSignificant(report.ef_residual) : "-",
                  FormatSignificant(CoordinatesPerSecond(report) / 1e6)});
  }
  out << table.Render();
  out << "\nrel. error and cosine: each step's reconstruction against the "
         "vector handed to the encoder, over all steps.\nEF residual: the "
         "error memory left at the end, in steps' worth of update (its norm "
         "over the RMS step norm): what error feedback still owes.\n";
  for (const std::string& note : notes) out << "note: " << note << "\n";
  return kExitOk;
}

}  // namespace gradcodec::cli
