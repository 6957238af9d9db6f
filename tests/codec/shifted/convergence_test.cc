// Issue 6's experiment (tests/support/softmax_shifted.h): with the data
// split by label, plain compressed GD with rand_k stalls at a neighbourhood
// of the optimum while DIANA, Rand-DIANA and EF21 with top_k converge to it.
#include <cmath>

#include "gtest/gtest.h"
#include "safetensors_reader.h"
#include "softmax_shifted.h"

namespace gradcodec::testing {
namespace {

class ShiftedConvergenceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (SharedGradsDir().empty()) return;
    auto digits = LoadDigits(SharedGradsDir() + "/../digits.csv");
    ASSERT_TRUE(digits.ok()) << digits.status();
    auto problem = MakeSoftmaxProblem(*digits, kShiftedExperimentWorkers,
                                      kShiftedExperimentL2);
    ASSERT_TRUE(problem.ok()) << problem.status();
    problem_ = new SoftmaxProblem(*std::move(problem));
    optimum_ = new std::vector<double>(SolveOptimum(*problem_));
  }
  static void TearDownTestSuite() {
    delete problem_;
    delete optimum_;
    problem_ = nullptr;
    optimum_ = nullptr;
  }
  void SetUp() override {
    if (problem_ == nullptr) GTEST_SKIP() << "../shared/data is absent";
  }

  static ShiftRun Row(const std::string& name) {
    for (const ShiftRun& run : ShiftedExperimentRuns()) {
      if (run.name == name) return run;
    }
    ADD_FAILURE() << "no row " << name;
    return {};
  }

  static Curve Descend(const std::string& name, int iterations,
                       Channel channel = Channel::kInternal,
                       uint64_t key_interval = 0, int record_every = 0) {
    auto curve = RunCompressedDescent(
        *problem_, *optimum_, Row(name), iterations,
        ShiftedExperimentStep(*problem_),
        record_every != 0 ? record_every : iterations, channel, key_interval);
    EXPECT_TRUE(curve.ok()) << name << ": " << curve.status();
    return curve.ok() ? *curve : Curve{};
  }

  static SoftmaxProblem* problem_;
  static std::vector<double>* optimum_;
};

SoftmaxProblem* ShiftedConvergenceTest::problem_ = nullptr;
std::vector<double>* ShiftedConvergenceTest::optimum_ = nullptr;

constexpr int kIterations = kShiftedExperimentIterations;

TEST_F(ShiftedConvergenceTest, TheOptimumIsStationary) {
  std::vector<double> g(kSoftmaxDimension), mean(kSoftmaxDimension, 0.0);
  double worker_norm = 0;
  for (int w = 0; w < problem_->workers; ++w) {
    WorkerGradient(*problem_, w, *optimum_, absl::MakeSpan(g));
    for (int i = 0; i < kSoftmaxDimension; ++i) {
      mean[i] += g[i] / problem_->workers;
      worker_norm += g[i] * g[i];
    }
  }
  double mean_norm = 0;
  for (double v : mean) mean_norm += v * v;
  EXPECT_LT(std::sqrt(mean_norm), 1e-10);
  // Heterogeneous workers: each one's gradient at the optimum is far from
  // zero, which is what stalls unshifted rand_k.
  EXPECT_GT(std::sqrt(worker_norm), 0.1);
}

TEST_F(ShiftedConvergenceTest, DianaConvergesWhereUnshiftedRandKStalls) {
  const Curve plain = Descend("rand_k", kIterations);
  const Curve diana = Descend("rand_k+diana", kIterations);
  EXPECT_GT(plain.final_distance, 1e-3);
  EXPECT_LT(diana.final_distance, 1e-6);
}

TEST_F(ShiftedConvergenceTest, RandDianaAndEf21WithTopKConverge) {
  EXPECT_LT(Descend("rand_k+rdiana", kIterations).final_distance, 1e-6);
  EXPECT_LT(Descend("top_k+ef21", kIterations).final_distance, 1e-6);
}

TEST_F(ShiftedConvergenceTest, PacketsThroughEncoderAndDecoderGiveTheSameRun) {
  // The public API path does exactly what the internal sender and
  // receiver do: the same floats, so the same curve.
  for (const char* name : {"rand_k+diana", "rand_k+rdiana", "top_k+ef21"}) {
    const Curve internal = Descend(name, 200);
    const Curve packets = Descend(name, 200, Channel::kPackets);
    EXPECT_EQ(internal.final_distance, packets.final_distance) << name;
    EXPECT_GT(packets.bits_per_coordinate, internal.bits_per_coordinate) << name;
  }
}

TEST_F(ShiftedConvergenceTest, KeyPacketsKeepTheLearnedShift) {
  // Key packets hand the receiver the sender's h (spec section 11.10.5),
  // so a key every 25 packets changes no output: the same curve, point for
  // point, at the price of the keys' bytes. Before they carried h, each
  // key restarted h from 0 and with it the methods' convergence.
  for (const char* name : {"rand_k+diana", "rand_k+rdiana", "top_k+ef21"}) {
    const Curve plain = Descend(name, kIterations, Channel::kPackets, 0, 100);
    const Curve keyed = Descend(name, kIterations, Channel::kPackets, 25, 100);
    EXPECT_EQ(plain.distance, keyed.distance) << name;
    EXPECT_LT(keyed.final_distance, 1e-6) << name;
    EXPECT_GT(keyed.bits_per_coordinate, plain.bits_per_coordinate) << name;
  }
}

}  // namespace
}  // namespace gradcodec::testing
