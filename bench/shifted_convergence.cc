// Issue 6's convergence experiment, printed as a table: compressed gradient
// descent on L2-regularised softmax regression over digits.csv, the samples
// split over 4 workers by label, full gradients, one fixed step for every
// row. Plain compressed GD with rand_k stalls; DIANA, Rand-DIANA and EF21
// (top_k) converge to the optimum. See tests/support/softmax_shifted.h.
//
//   shifted_convergence [--iterations N] [--every N] [--packets]
//                       [--key-interval N] [--plot FILE]
//
// --packets sends every gradient as a packet through Encoder and Decoder
// instead of the internal sender and receiver (the same numbers, with
// packet bytes counted). --key-interval N (implies --packets) sends a key
// packet every N packets: the curves stay the same, since key packets
// carry the learned shift, and bits/c shows what the keys cost. --plot writes
// the curves as whitespace-separated columns (iteration, then one column per
// row) for gnuplot or a spreadsheet.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "digits_mlp.h"
#include "safetensors_reader.h"
#include "softmax_shifted.h"

int main(int argc, char** argv) {
  using namespace gradcodec;
  using namespace gradcodec::testing;
  int iterations = kShiftedExperimentIterations, every = 250;
  Channel channel = Channel::kInternal;
  std::string plot;
  uint64_t key_interval = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
      iterations = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--every") == 0 && i + 1 < argc) {
      every = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--packets") == 0) {
      channel = Channel::kPackets;
    } else if (std::strcmp(argv[i], "--key-interval") == 0 && i + 1 < argc) {
      key_interval = std::strtoull(argv[++i], nullptr, 10);
      channel = Channel::kPackets;
    } else if (std::strcmp(argv[i], "--plot") == 0 && i + 1 < argc) {
      plot = argv[++i];
    }
  }
  if (iterations < 1 || every < 1) {
    std::fprintf(stderr, "--iterations and --every must be >= 1\n");
    return 2;
  }
  const std::string shared = SharedGradsDir();
  if (shared.empty()) {
    std::printf("../shared/data is absent: nothing to train on\n");
    return 0;
  }
  auto digits = LoadDigits(shared + "/../digits.csv");
  if (!digits.ok()) {
    std::fprintf(stderr, "%s\n", std::string(digits.status().message()).c_str());
    return 1;
  }
  auto problem = MakeSoftmaxProblem(*digits, kShiftedExperimentWorkers,
                                    kShiftedExperimentL2);
  if (!problem.ok()) {
    std::fprintf(stderr, "%s\n", std::string(problem.status().message()).c_str());
    return 1;
  }
  const std::vector<double> optimum = SolveOptimum(*problem);
  const double step = ShiftedExperimentStep(*problem);
  std::printf("softmax regression, d = %d, %d workers by label, l2 = %g, "
              "L = %.4g, step = %.4g, %d iterations\n",
              kSoftmaxDimension, problem->workers, problem->l2,
              problem->smoothness, step, iterations);

  const std::vector<ShiftRun> runs = ShiftedExperimentRuns();
  std::vector<Curve> curves;
  for (const ShiftRun& run : runs) {
    auto curve = RunCompressedDescent(*problem, optimum, run, iterations, step,
                                      every, channel, key_interval);
    if (!curve.ok()) {
      std::fprintf(stderr, "%s: %s\n", run.name.c_str(),
                   std::string(curve.status().message()).c_str());
      return 1;
    }
    curves.push_back(*curve);
  }
  std::printf("\n|x_t - x*|^2 / |x_0 - x*|^2\n%-8s", "iter");
  for (const ShiftRun& run : runs) std::printf(" %16s", run.name.c_str());
  std::printf("\n");
  const size_t points = curves[0].distance.size();
  for (size_t k = 0; k < points; ++k) {
    const int it = k + 1 == points ? iterations : static_cast<int>(k) * every;
    std::printf("%-8d", it);
    for (const Curve& c : curves) std::printf(" %16.3e", c.distance[k]);
    std::printf("\n");
  }
  std::printf("%-8s", "bits/c");
  for (const Curve& c : curves) std::printf(" %16.3f", c.bits_per_coordinate);
  std::printf("\n");
  if (!plot.empty()) {
    std::ofstream out(plot);
    out << "# iteration";
    for (const ShiftRun& run : runs) out << ' ' << run.name;
    out << '\n';
    for (size_t k = 0; k < points; ++k) {
      out << (k + 1 == points ? iterations : static_cast<int>(k) * every);
      for (const Curve& c : curves) out << ' ' << c.distance[k];
      out << '\n';
    }
    std::printf("curves written to %s\n", plot.c_str());
  }
  return 0;
}
