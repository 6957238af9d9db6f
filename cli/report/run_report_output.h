// How compress (and analyze, for its per-method rows) shows a RunReport:
// a per-tensor text table with a total row, and the same as JSON.
#ifndef GRADCODEC_CLI_REPORT_RUN_REPORT_OUTPUT_H_
#define GRADCODEC_CLI_REPORT_RUN_REPORT_OUTPUT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands/encode_run.h"

namespace gradcodec::cli {

// Per tensor and total: coordinates, bytes in, bytes out, bits per
// coordinate, ratio against fp32, relative error; then throughput, cosine
// similarity, error-feedback residual and notes.
std::string RenderRunReport(const RunReport& report);

// The JSON form: steps, coordinates, input_bytes, output_bytes,
// bits_per_coordinate, ratio_vs_fp32, relative_error, cosine_similarity,
// ef_residual, key_packets, encode_seconds, coordinates_per_second,
// wall_seconds, notes, and `tensors` (name, dtype, shape, coordinates,
// input_bytes, output_bytes, bits_per_coordinate, ratio_vs_fp32,
// relative_error, cosine_similarity).
nlohmann::json RunReportJson(const RunReport& report);

// Coordinates encoded per second of Encode time (0 when unmeasured).
double CoordinatesPerSecond(const RunReport& report);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_REPORT_RUN_REPORT_OUTPUT_H_
