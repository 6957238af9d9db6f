#include "ratio_reporter.h"

#include <algorithm>
#include <cstdio>

namespace gradcodec::bench {

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const Run& run : runs) {
    const bool median = run.run_type == Run::RT_Aggregate &&
                        run.aggregate_name == "median";
    if (run.error_occurred ||
        !(median || run.run_type == Run::RT_Iteration)) {
      continue;
    }
    const auto it = run.counters.find("items_per_second");
    if (it == run.counters.end()) continue;
    rows_.push_back({run.run_name.str(), it->second, median});
  }
}

void RatioReporter::Finalize() {
  ConsoleReporter::Finalize();
  // With --benchmark_repetitions the repetitions come one by one and their
  // median after them: quote only the medians then.
  const bool medians = std::any_of(rows_.begin(), rows_.end(),
                                   [](const Row& row) { return row.median; });
  std::printf("\n%-64s %14s %10s\n", "benchmark", "items/s", "x stream");
  double reference = 0;
  for (const Row& row : rows_) {
    if (row.median != medians) continue;
    if (row.name.rfind("BM_StreamingRead", 0) == 0) {
      reference = row.items_per_second;
    }
    if (reference > 0) {
      std::printf("%-64s %14.4g %10.3f\n", row.name.c_str(),
                  row.items_per_second, row.items_per_second / reference);
    } else {
      std::printf("%-64s %14.4g %10s\n", row.name.c_str(),
                  row.items_per_second, "-");
    }
  }
}

int RunBenchmarksWithRatios(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace gradcodec::bench
