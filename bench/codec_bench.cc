// The stateful codec at 16M coordinates, one thread, beside the streaming
// read of its inputs (DESIGN.md section 6, reference.h). Issue 4's
// targets: signxor at default settings encodes at >= 0.2x and decodes at
// >= 0.4x the streaming read. The shifted methods (arguments 5..11) run
// beside them for comparison. Last, signxor on one smaller tensor with
// each bit coder (EncodeTensor), beside a streaming read of its own inputs.
//
//   build/release/bench/codec_bench --benchmark_repetitions=3
//
// Input: momentum-like steps, v_t = 0.9 v_(t-1) + a heavy-tailed synthetic
// gradient, so that signs are correlated from step to step as in training.
// Counters: bits_per_coord (every packet byte), key packets excluded from
// the delta figures by encoding a warm-up key first. Decode times the
// steady state's deltas (DecodePackets).
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <vector>

#include "gradcodec/decoder.h"
#include "gradcodec/encoder.h"
#include "ratio_reporter.h"
#include "reference.h"
#include "synthetic.h"

namespace gradcodec {
namespace {

constexpr uint64_t kCoordinates = uint64_t{1} << 24;
constexpr int kSteps = 6;

// kSteps momentum-like steps of `count` coordinates.
std::vector<std::vector<float>> MakeSteps(uint64_t count) {
  std::vector<std::vector<float>> out;
  std::vector<float> v(count, 0.0f);
  for (int t = 0; t < kSteps; ++t) {
    const std::vector<float> g = testing::SyntheticGradient(count, 100 + t);
    for (uint64_t i = 0; i < count; ++i) v[i] = 0.9f * v[i] + g[i];
    out.push_back(v);
  }
  return out;
}

const std::vector<std::vector<float>>& Steps() {
  static const std::vector<std::vector<float>> steps = MakeSteps(kCoordinates);
  return steps;
}

// The steps an encoder takes in turn after its key (steps[0]), as the
// benchmarks' streaming reads take them.
std::vector<const std::vector<float>*> DeltaSteps(
    const std::vector<std::vector<float>>& steps) {
  std::vector<const std::vector<float>*> out;
  for (size_t t = 1; t < steps.size(); ++t) out.push_back(&steps[t]);
  return out;
}

EncoderOptions Options(Method method) {
  EncoderOptions options;
  options.method = method;
  // A few tensors, as a model has, with 256-coordinate blocks.
  options.layout.tensors = {
      {"embedding", {4096, 2048}, DType::kFloat32, 256},
      {"layer.weight", {2048, 2048}, DType::kFloat32, 256},
      {"head.weight", {2048, 2047}, DType::kFloat32, 256},
      {"head.bias", {2048}, DType::kFloat32, 256},
  };
  // The shifted methods (issue 6) at their defaults (k = 1%, 4 dither
  // levels), with the rule each takes: error feedback, or DIANA for the
  // compressors too noisy for it.
  options.shifted.shift = method == Method::kRandK || method == Method::kDither
                              ? Shift::kDiana
                              : Shift::kErrorFeedback;
  return options;
}

// The reference reads BM_Encode's inputs as BM_Encode takes them, in turn:
// 320 MiB, more than the 260 MiB L3 of the Xeons here, so that both find
// them in memory (reference.h).
void BM_StreamingRead(benchmark::State& state) {
  bench::RunStreamingRead(state, DeltaSteps(Steps()));
}

// DESIGN.md section 6's other reference: memcpy of the same inputs.
void BM_Memcpy(benchmark::State& state) {
  bench::RunMemcpy(state, DeltaSteps(Steps()));
}

// Not a target: the error memory's traffic alone (reference.h), the most
// an encoder with one could do.
void BM_ErrorFeedbackFloor(benchmark::State& state) {
  bench::RunErrorFeedbackFloor(state, DeltaSteps(Steps()));
}

// bits_per_coord counts the packets of the timed steps, so it follows how
// many the timing loop runs (a stream's bits still fall over its first
// hundred steps); EncodeTensor's counts a fixed stretch.
void BM_Encode(benchmark::State& state) {
  const auto method = static_cast<Method>(state.range(0));
  const EncoderOptions options = Options(method);
  auto encoder = std::move(*Encoder::Create(options));
  std::vector<uint8_t> packet;
  const auto& steps = Steps();
  benchmark::DoNotOptimize(encoder->Encode(steps[0], &packet));  // the key
  uint64_t bytes = 0;
  int t = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(encoder->Encode(steps[t], &packet));
    bytes += packet.size();
    t = t + 1 == kSteps ? 1 : t + 1;
  }
  state.counters["bits_per_coord"] =
      8.0 * static_cast<double>(bytes) /
      (static_cast<double>(state.iterations()) * kCoordinates);
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(kCoordinates));
}

// The packets BM_Decode times: a key and kWarmDeltas deltas that bring
// signxor's flip histories to their full length, decoded outside the
// timing, then kTimedDeltas deltas of the steady state, the encoder going
// on through the steps as BM_Encode's does. (Timing the deltas right after
// a key, whose histories are still filling, flattered signxor's decoder by
// some 8%.) One method's packets are kept at a time: fp32's are 64 MiB
// each.
constexpr int kWarmDeltas = 8;
constexpr int kTimedDeltas = 16;

const std::vector<std::vector<uint8_t>>& DecodePackets(Method method) {
  static Method cached_method{};
  static std::vector<std::vector<uint8_t>> packets;
  if (packets.empty() || cached_method != method) {
    auto encoder = std::move(*Encoder::Create(Options(method)));
    const auto& steps = Steps();
    packets.assign(1 + kWarmDeltas + kTimedDeltas, {});
    for (size_t t = 0; t < packets.size(); ++t) {
      const size_t step = t == 0 ? 0 : 1 + (t - 1) % (kSteps - 1);
      benchmark::DoNotOptimize(encoder->Encode(steps[step], &packets[t]));
    }
    cached_method = method;
  }
  return packets;
}

void BM_Decode(benchmark::State& state) {
  const auto method = static_cast<Method>(state.range(0));
  const auto& packets = DecodePackets(method);
  std::unique_ptr<Decoder> decoder;
  std::vector<float> out(kCoordinates);
  size_t t = packets.size();  // starts the stream on the first iteration
  for (auto _ : state) {
    if (t == packets.size()) {
      state.PauseTiming();
      decoder = std::move(*Decoder::Create());
      for (t = 0; t <= kWarmDeltas; ++t) {
        benchmark::DoNotOptimize(
            decoder->Decode(packets[t], absl::MakeSpan(out)));
      }
      state.ResumeTiming();
    }
    if (!decoder->Decode(packets[t], absl::MakeSpan(out)).ok()) {
      state.SkipWithError("decode failed");
      break;
    }
    ++t;
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(kCoordinates));
}

// signxor's encoder on one smaller tensor, with each bit coder (kAuto
// takes the adaptive one up to kAutoAdaptiveCoordinates, the fast one
// above): what one encoder per layer costs. With the fast coder the work
// done once a step (the flip groups and the context models chosen from
// the step's counts) weighs against fewer coordinates; the adaptive coder
// codes bit by bit. Each size has its own streaming read of its inputs
// (StreamingReadTensor), which its rows' ratios are taken against.
//
// Timed after kTensorWarmDeltas + kTensorBitsDeltas deltas of a fresh
// stream; bits_per_coord over the last kTensorBitsDeltas of them (four
// turns of the steps), a fixed stretch of the stream, since its bits still
// fall over its first hundred steps and the timing loop's length varies.
constexpr int kTensorWarmDeltas = 8;
constexpr int kTensorBitsDeltas = 4 * (kSteps - 1);

// MakeSteps(count), made once per size.
const std::vector<std::vector<float>>& TensorSteps(uint64_t count) {
  static std::map<uint64_t, std::vector<std::vector<float>>> steps;
  auto it = steps.find(count);
  if (it == steps.end()) it = steps.emplace(count, MakeSteps(count)).first;
  return it->second;
}

void BM_StreamingReadTensor(benchmark::State& state) {
  bench::RunStreamingRead(
      state, DeltaSteps(TensorSteps(static_cast<uint64_t>(state.range(0)))));
}

void BM_EncodeTensor(benchmark::State& state) {
  const auto count = static_cast<uint64_t>(state.range(0));
  const std::vector<std::vector<float>>& steps = TensorSteps(count);
  EncoderOptions options;
  options.method = Method::kSignXor;
  options.sign_coder = static_cast<SignCoder>(state.range(1));
  options.layout.tensors = {{"weight", {count}, DType::kFloat32, 256}};
  auto encoder = std::move(*Encoder::Create(options));
  std::vector<uint8_t> packet;
  benchmark::DoNotOptimize(encoder->Encode(steps[0], &packet));  // the key
  uint64_t bytes = 0;
  int t = 1;
  for (int delta = 1; delta <= kTensorWarmDeltas + kTensorBitsDeltas; ++delta) {
    benchmark::DoNotOptimize(encoder->Encode(steps[t], &packet));
    if (delta > kTensorWarmDeltas) bytes += packet.size();
    t = t + 1 == kSteps ? 1 : t + 1;
  }
  state.counters["bits_per_coord"] =
      8.0 * static_cast<double>(bytes) /
      (static_cast<double>(kTensorBitsDeltas) * static_cast<double>(count));
  for (auto _ : state) {
    benchmark::DoNotOptimize(encoder->Encode(steps[t], &packet));
    t = t + 1 == kSteps ? 1 : t + 1;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(count));
}

// Each tensor size's streaming read, then its rows (one per coder).
void TensorRows(int64_t count) {
  benchmark::RegisterBenchmark("BM_StreamingReadTensor", BM_StreamingReadTensor)
      ->Arg(count)
      ->Unit(benchmark::kMicrosecond);
  for (SignCoder coder : {SignCoder::kFast, SignCoder::kAdaptive}) {
    benchmark::RegisterBenchmark("BM_EncodeTensor", BM_EncodeTensor)
        ->Args({count, static_cast<int64_t>(coder)})
        ->Unit(benchmark::kMicrosecond);
  }
}

void Methods(benchmark::internal::Benchmark* b) {
  for (Method m : {Method::kSignXor, Method::kBlockSign, Method::kScaledSign,
                   Method::kSign, Method::kTopK, Method::kRandK,
                   Method::kDither, Method::kNatural, Method::kFp16,
                   Method::kBf16, Method::kFp32}) {
    b->Arg(static_cast<int64_t>(m));
  }
}

BENCHMARK(BM_StreamingRead)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ErrorFeedbackFloor)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Encode)->Apply(Methods)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode)->Apply(Methods)->Unit(benchmark::kMillisecond);
const bool kTensorRowsRegistered = [] {
  TensorRows(int64_t{1} << 16);
  TensorRows(int64_t{1} << 20);
  return true;
}();

}  // namespace
}  // namespace gradcodec

GRADCODEC_BENCHMARK_MAIN();
