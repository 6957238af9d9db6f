// The shifted-compression experiment of issue 6, after Shulgin and
// Richtarik (UAI 2022): L2-regularised softmax regression on
// ../shared/data/digits.csv with full gradients, the samples split over
// workers by label (so each worker's gradient at the optimum is far from
// zero), and compressed gradient descent with a fixed step: every worker
// compresses its gradient with a shifted method, the server averages the
// receivers' outputs and steps. Plain compressed GD with rand_k stalls in a
// neighbourhood of the optimum whose size the step and the workers'
// gradients at the optimum set; shifts that learn those gradients (DIANA,
// Rand-DIANA, EF21) converge to it.
#ifndef GRADCODEC_TESTS_SUPPORT_SOFTMAX_SHIFTED_H_
#define GRADCODEC_TESTS_SUPPORT_SOFTMAX_SHIFTED_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "digits_mlp.h"
#include "gradcodec/codec_options.h"
#include "gradcodec/layout.h"

namespace gradcodec::testing {

inline constexpr int kSoftmaxFeatures = 65;  // 64 pixels / 16, then 1 (bias)
inline constexpr int kSoftmaxClasses = 10;
inline constexpr int kSoftmaxDimension = kSoftmaxFeatures * kSoftmaxClasses;

struct SoftmaxProblem {
  int workers = 4;
  double l2 = 0;  // f_w(x) = mean cross-entropy over w's samples + l2/2 |x|^2
  std::vector<double> features;                 // samples x kSoftmaxFeatures
  // The same, sample by sample, without the zeros (about half the pixels),
  // which the gradients skip: CSR rows.
  std::vector<size_t> row_start;
  std::vector<int> column;
  std::vector<double> value;
  std::vector<int> labels;
  std::vector<std::vector<int>> worker_samples;  // sample indices per worker
  double smoothness = 0;  // L, the largest of the workers' bounds
};

// Worker w holds the samples whose label l has l * workers / 10 == w.
absl::StatusOr<SoftmaxProblem> MakeSoftmaxProblem(const Digits& digits,
                                                  int workers, double l2);

// The gradient of f_w at x (kSoftmaxDimension values, class-major: the
// weights of class c are x[c * kSoftmaxFeatures ...]).
void WorkerGradient(const SoftmaxProblem& problem, int worker,
                    absl::Span<const double> x, absl::Span<double> gradient);

// The minimiser of f = mean of the f_w, by accelerated gradient descent
// until the gradient's norm is below 1e-12.
std::vector<double> SolveOptimum(const SoftmaxProblem& problem);

// The layout the codec sees: one tensor "weights" [10, 65], one block per
// class (dither's norms).
Layout SoftmaxLayout();

// One row of the experiment: a shifted method and its options.
struct ShiftRun {
  std::string name;
  Method method = Method::kRandK;
  ShiftedOptions shifted;
};

// How the gradients travel: through the internal sender and receiver
// (codec/shifted/shifted_stream.h), or as packets through the public
// Encoder and Decoder.
enum class Channel { kInternal, kPackets };

struct Curve {
  // |x_t - x*|^2 / |x_0 - x*|^2 after every `record_every` iterations
  // (t = 0 first), and after the last.
  std::vector<double> distance;
  double final_distance = 0;
  double bits_per_coordinate = 0;  // per worker message, mean
};

// Runs `iterations` steps of x -= step * (mean of the receivers' outputs)
// from x = 0. With Channel::kPackets, `key_interval` > 0 makes every
// encoder send a key packet every that many packets (EncoderOptions).
absl::StatusOr<Curve> RunCompressedDescent(const SoftmaxProblem& problem,
                                           const std::vector<double>& optimum,
                                           const ShiftRun& run, int iterations,
                                           double step, int record_every,
                                           Channel channel,
                                           uint64_t key_interval = 0);

// The configuration the test and the bench share: 4 workers, the L2
// weight, one step for every row (1 / (L (1 + 2 omega / n)) for rand_k's
// omega, inside DIANA's range), and the rows.
inline constexpr int kShiftedExperimentWorkers = 4;
inline constexpr double kShiftedExperimentL2 = 0.3;
inline constexpr double kShiftedExperimentKFraction = 0.1;
// Iterations the test runs (the bench's default too).
inline constexpr int kShiftedExperimentIterations = 1000;
double ShiftedExperimentStep(const SoftmaxProblem& problem);
std::vector<ShiftRun> ShiftedExperimentRuns();

}  // namespace gradcodec::testing

#endif  // GRADCODEC_TESTS_SUPPORT_SOFTMAX_SHIFTED_H_
