// A console reporter that ends with each benchmark's throughput as a
// fraction of the streaming-read reference measured in the same process
// (DESIGN.md section 6): on shared, noisy machines the ratio is the figure
// to quote, not the absolute time.
//
// Each benchmark is compared with the most recent run whose name starts
// with "BM_StreamingRead" before it, so register the reference first for
// each input size. With --benchmark_repetitions=N the medians are compared
// (run with N >= 3 for figures worth quoting).
#ifndef GRADCODEC_BENCH_RATIO_REPORTER_H_
#define GRADCODEC_BENCH_RATIO_REPORTER_H_

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace gradcodec::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

 private:
  struct Row {
    std::string name;  // without the aggregate suffix
    double items_per_second;
    bool median;  // the median of --benchmark_repetitions
  };
  std::vector<Row> rows_;
};

// main() for a benchmark binary using RatioReporter.
int RunBenchmarksWithRatios(int argc, char** argv);

}  // namespace gradcodec::bench

#define GRADCODEC_BENCHMARK_MAIN()                                  \
  int main(int argc, char** argv) {                                 \
    return ::gradcodec::bench::RunBenchmarksWithRatios(argc, argv); \
  }

#endif  // GRADCODEC_BENCH_RATIO_REPORTER_H_
