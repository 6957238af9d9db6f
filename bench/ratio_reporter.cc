#include "ratio_reporter.h"

#include <cstdio>

namespace gradcodec::bench {

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  // With --benchmark_repetitions, quote the median of the repetitions.
  bool has_median = false;
  for (const Run& run : runs) {
    has_median |= run.run_type == Run::RT_Aggregate &&
                  run.aggregate_name == "median";
  }
  for (const Run& run : runs) {
    const bool wanted = has_median ? (run.run_type == Run::RT_Aggregate &&
                                      run.aggregate_name == "median")
                                   : run.run_type == Run::RT_Iteration;
    if (run.error_occurred || !wanted) continue;
    const auto it = run.counters.find("items_per_second");
    if (it == run.counters.end()) continue;
    const std::string name = run.benchmark_name();
    if (name.rfind("BM_StreamingRead", 0) == 0) reference_ = it->second;
    // (A median row's name carries a "_median" suffix; the reference test
    // above only looks at the prefix.)
    rows_.push_back({name, it->second, reference_});
  }
}

void RatioReporter::Finalize() {
  ConsoleReporter::Finalize();
  std::printf("\n%-64s %14s %10s\n", "benchmark", "items/s",
              "x stream");
  for (const Row& row : rows_) {
    if (row.reference_items_per_second > 0) {
      std::printf("%-64s %14.4g %10.3f\n", row.name.c_str(),
                  row.items_per_second,
                  row.items_per_second / row.reference_items_per_second);
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
