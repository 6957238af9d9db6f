// The command-line tool's overhead over the library (issue 5's target):
// `gradcodec compress` on a dump of 20 steps of 16M coordinates must spend
// at most 1.5x the time the library alone needs for the same encoding.
//
//   build/release/bench/cli_bench
//
// Setup writes the dump once (20 F32 safetensors files, 1.3 GB, in a
// temporary folder, removed at exit) from the frozen-seed synthetic
// generator, momentum-like (v_t = 0.9 v_(t-1) + g_t) so that signs persist
// as in training. BM_CompressVersusLibrary then times, inside each
// iteration and in alternation (the machines are shared and noisy):
//   library: Encoder::Encode over the 20 steps held in memory;
//   tool:    RunCompress, the `compress` command in-process: reading and
//            parsing each file, encoding, measuring, writing the .gcs.
// Counter x_library = tool time / library time (the target: <= 1.5), each
// the best of the iterations: on a shared machine a run only ever gets
// slower than it is, and the fastest of several is the one least disturbed
// (x_library_mean, from the mean times, shows how disturbed the rest were).
// Both use the tool's default settings (signxor, 256-coordinate blocks).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/commands/codec_settings.h"
#include "cli/commands/compress.h"
#include "cli/dump/safetensors.h"
#include "cli/io/file_io.h"
#include "gradcodec/encoder.h"
#include "synthetic.h"

namespace gradcodec {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kSteps = 20;
constexpr uint64_t kCoordinates = uint64_t{1} << 24;

// The dump: its folder, and the steps in memory for the library run.
struct Dump {
  fs::path dir;
  std::vector<cli::DumpTensor> layout_tensors;  // shapes only
  std::vector<std::vector<float>> steps;

  ~Dump() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

const Dump& TheDump() {
  static const Dump* dump = [] {
    auto* d = new Dump;
    d->dir = fs::temp_directory_path() /
             absl::StrCat("gradcodec_cli_bench_", ::getpid());
    fs::create_directories(d->dir);
    // A model's worth of tensors: two large matrices, a smaller one, a bias.
    const std::vector<std::pair<std::string, std::vector<uint64_t>>> shapes = {
        {"embedding.weight", {4096, 2048}},
        {"layer.weight", {2048, 2048}},
        {"head.weight", {2048, 2047}},
        {"head.bias", {2048}}};
    std::vector<float> v(kCoordinates, 0.0f);
    for (int t = 0; t < kSteps; ++t) {
      const std::vector<float> g =
          testing::SyntheticGradient(kCoordinates, 1000 + t);
      for (uint64_t i = 0; i < kCoordinates; ++i) v[i] = 0.9f * v[i] + g[i];
      std::vector<cli::DumpTensor> tensors;
      uint64_t at = 0;
      for (const auto& [name, shape] : shapes) {
        cli::DumpTensor tensor{name, shape, DType::kFloat32, {}};
        const uint64_t n = tensor.element_count();
        tensor.values.assign(v.begin() + at, v.begin() + at + n);
        at += n;
        tensors.push_back(std::move(tensor));
      }
      const absl::Status written = cli::WriteFileAtomically(
          d->dir / absl::StrCat("step_", t, ".safetensors"),
          cli::SerializeSafetensors(tensors));
      if (!written.ok()) std::abort();
      d->steps.push_back(v);
      if (t == 0) {
        for (auto& tensor : tensors) tensor.values.clear();
        d->layout_tensors = std::move(tensors);
      }
    }
    return d;
  }();
  return *dump;
}

double LibrarySeconds(const Dump& dump) {
  const cli::CodecSettings settings;
  auto encoder = std::move(*Encoder::Create(cli::ToEncoderOptions(
      settings, cli::LayoutOf(dump.layout_tensors, settings.block_size))));
  std::vector<uint8_t> packet;
  const auto start = Clock::now();
  for (const std::vector<float>& step : dump.steps) {
    if (!encoder->Encode(step, &packet).ok()) std::abort();
    benchmark::DoNotOptimize(packet.data());
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double ToolSeconds(const Dump& dump) {
  cli::CompressOptions options;
  options.inputs = {dump.dir.string()};
  options.output = (dump.dir.parent_path() /
                    absl::StrCat("gradcodec_cli_bench_", ::getpid(), ".gcs"))
                       .string();
  options.quiet = true;
  std::ostringstream out, err;
  const auto start = Clock::now();
  if (cli::RunCompress(options, out, err) != 0) std::abort();
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  fs::remove(options.output);
  return seconds;
}

void BM_CompressVersusLibrary(benchmark::State& state) {
  const Dump& dump = TheDump();
  double library = 0, tool = 0;
  double best_library = INFINITY, best_tool = INFINITY;
  for (auto _ : state) {
    const double library_seconds = LibrarySeconds(dump);
    const double tool_seconds = ToolSeconds(dump);
    library += library_seconds;
    tool += tool_seconds;
    best_library = std::min(best_library, library_seconds);
    best_tool = std::min(best_tool, tool_seconds);
  }
  state.counters["x_library"] = best_tool / best_library;
  state.counters["x_library_mean"] = tool / library;
  state.counters["library_s"] = best_library;
  state.counters["tool_s"] = best_tool;
  state.SetItemsProcessed(state.iterations() * kSteps *
                          static_cast<int64_t>(kCoordinates));
}

BENCHMARK(BM_CompressVersusLibrary)
    ->Unit(benchmark::kSecond)
    ->Iterations(4)
    ->UseRealTime();

}  // namespace
}  // namespace gradcodec

BENCHMARK_MAIN();
