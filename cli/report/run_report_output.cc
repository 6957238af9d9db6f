#include "cli/report/run_report_output.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/report/table.h"

namespace gradcodec::cli {
namespace {

double BitsPerCoordinate(double bytes, uint64_t steps, uint64_t coordinates) {
  const double sent = static_cast<double>(steps) * static_cast<double>(coordinates);
  return sent > 0 ? 8.0 * bytes / sent : 0.0;
}

double RatioVsFp32(double bits) { return bits > 0 ? 32.0 / bits : INFINITY; }

std::string ShapeText(const std::vector<uint64_t>& shape) {
  return shape.empty() ? "scalar" : absl::StrJoin(shape, "x");
}

}  // namespace

double CoordinatesPerSecond(const RunReport& report) {
  return report.encode_seconds > 0
             ? static_cast<double>(report.steps) *
                   static_cast<double>(report.coordinates) /
                   report.encode_seconds
             : 0.0;
}

std::string RenderRunReport(const RunReport& report) {
  Table table({"tensor", "dtype", "shape", "coordinates", "bytes in",
               "bytes out", "bits/coord", "vs fp32", "rel. error"},
              /*text_columns=*/3);
  for (const TensorReport& t : report.tensors) {
    const double bits =
        BitsPerCoordinate(t.output_bytes, report.steps, t.coordinates);
    table.AddRow({t.name, DTypeName(t.dtype), ShapeText(t.shape),
                  absl::StrCat(t.coordinates), absl::StrCat(t.input_bytes),
                  FormatFixed(t.output_bytes, 0), FormatFixed(bits, 4),
                  FormatRatio(RatioVsFp32(bits)),
                  FormatSignificant(t.relative_error())});
  }
  table.AddRule();
  const double bits = report.bits_per_coordinate();
  table.AddRow({absl::StrCat("total (", report.steps, " steps)"), "", "",
                absl::StrCat(report.coordinates), absl::StrCat(report.input_bytes),
                absl::StrCat(report.output_bytes), FormatFixed(bits, 4),
                FormatRatio(RatioVsFp32(bits)),
                FormatSignificant(report.relative_error())});
  std::string out = table.Render();
  const double rate = CoordinatesPerSecond(report);
  absl::StrAppend(
      &out, "\nencode: ", FormatSignificant(rate / 1e6), " M coordinates/s (",
      FormatSignificant(rate * 4 / 1e6), " MB/s of float32) over ",
      FormatSignificant(report.encode_seconds), " s; whole run ",
      FormatSignificant(report.wall_seconds), " s\n",
      "cosine similarity ", FormatFixed(report.cosine_similarity(), 4),
      ", error-feedback residual ", FormatSignificant(report.ef_residual),
      ", key packets ", report.key_packets, "\n");
  for (const std::string& note : report.notes) {
    absl::StrAppend(&out, "note: ", note, "\n");
  }
  return out;
}

nlohmann::json RunReportJson(const RunReport& report) {
  nlohmann::json tensors = nlohmann::json::array();
  for (const TensorReport& t : report.tensors) {
    const double bits =
        BitsPerCoordinate(t.output_bytes, report.steps, t.coordinates);
    tensors.push_back({{"name", t.name},
                       {"dtype", DTypeName(t.dtype)},
                       {"shape", t.shape},
                       {"coordinates", t.coordinates},
                       {"input_bytes", t.input_bytes},
                       {"output_bytes", t.output_bytes},
                       {"bits_per_coordinate", bits},
                       {"ratio_vs_fp32", RatioVsFp32(bits)},
                       {"relative_error", t.relative_error()},
                       {"cosine_similarity", t.cosine_similarity()}});
  }
  const double bits = report.bits_per_coordinate();
  return {{"method", report.label},
          {"steps", report.steps},
          {"coordinates", report.coordinates},
          {"input_bytes", report.input_bytes},
          {"output_bytes", report.output_bytes},
          {"bits_per_coordinate", bits},
          {"ratio_vs_fp32", RatioVsFp32(bits)},
          {"relative_error", report.relative_error()},
          {"cosine_similarity", report.cosine_similarity()},
          {"ef_residual", report.ef_residual},
          {"key_packets", report.key_packets},
          {"encode_seconds", report.encode_seconds},
          {"coordinates_per_second", CoordinatesPerSecond(report)},
          {"wall_seconds", report.wall_seconds},
          {"notes", report.notes},
          {"tensors", tensors}};
}

}  // namespace gradcodec::cli
