// The size of a key packet's `shift` section (spec/FORMAT.md section
// 11.10.5) against the codings it was chosen over, printed as a table (not
// a Google Benchmark): the evolving shift rules run over the 100 real
// gradient steps of ../shared/data/grads/digits_mlp_f32, and at a few
// steps the h a key packet would carry is coded
//
//   stored      4 n bytes, the float32 values as they are
//   zstd        the 4 n bytes interleaved, one zstd frame
//   rans        the 4 n bytes interleaved, one rans table
//   planes/rans the four byte planes, rans each (stored if not smaller)
//   planes/zstd the four byte planes, zstd each
//   planes      the four byte planes, each the smaller of the two
//   shift       the whole section as the encoder writes it: `shift_layout`
//               and the smaller of interleaved (zstd or rans) and planes
//
// beside the mean size of the run's delta payloads, what a key adds to.
#include <cstdio>
#include <string>
#include <vector>

#include "codec/entropy/byte_stream_coder.h"
#include "codec/shifted/key_shift.h"
#include "codec/shifted/shifted_stream.h"
#include "codec/sign/blocks.h"
#include "safetensors_reader.h"

namespace gradcodec {
namespace {

uint64_t Coded(const std::vector<uint8_t>& bytes, internal::ByteCoder coder) {
  internal::ByteStreamOptions options;
  options.coder = coder;
  std::vector<uint8_t> out;
  internal::EncodeByteStream(bytes, options, &out);
  return out.size();
}

void PrintRow(const std::string& name, int step, absl::Span<const float> h,
              double delta_bytes) {
  const size_t n = h.size();
  const std::vector<uint8_t> interleaved = internal::InterleavedShiftBytes(h);
  uint64_t planes_rans = 0, planes_zstd = 0;
  for (int p = 0; p < 4; ++p) {
    const std::vector<uint8_t> plane = internal::ShiftBytePlane(h, p);
    planes_rans += Coded(plane, internal::ByteCoder::kRans);
    planes_zstd += Coded(plane, internal::ByteCoder::kZstd);
  }
  std::vector<uint8_t> planes_best, shift;
  internal::WriteKeyShift(h, internal::ShiftLayout::kPlanes, &planes_best);
  internal::WriteKeyShift(h, &shift);
  uint64_t zeros = 0;
  for (float v : h) zeros += v == 0 ? 1 : 0;
  std::printf(
      "%-16s %5d %6.1f%% %7zu %7llu %7llu %11llu %11llu %7zu %7zu %6.2f "
      "%8.0f\n",
      name.c_str(), step, 100.0 * static_cast<double>(zeros) / n, 4 * n,
      static_cast<unsigned long long>(
          Coded(interleaved, internal::ByteCoder::kZstd)),
      static_cast<unsigned long long>(
          Coded(interleaved, internal::ByteCoder::kRans)),
      static_cast<unsigned long long>(planes_rans),
      static_cast<unsigned long long>(planes_zstd), planes_best.size(),
      shift.size(), 8.0 * static_cast<double>(shift.size()) / n, delta_bytes);
}

int Main() {
  const std::string shared = testing::SharedGradsDir();
  if (shared.empty()) {
    std::printf("../shared/data is absent: nothing to measure\n");
    return 0;
  }
  auto steps = testing::ReadDumpSteps(shared + "/digits_mlp_f32");
  if (!steps.ok() || steps->empty()) {
    std::fprintf(stderr, "cannot read digits_mlp_f32\n");
    return 1;
  }
  const uint64_t n = (*steps)[0].size();
  Layout layout;
  layout.tensors = {{"all", {n}, DType::kFloat32, 256}};
  const struct {
    const char* name;
    Method method;
    Shift shift;
    double k_fraction;
  } rows[] = {{"top_k1%+ef21", Method::kTopK, Shift::kEf21, 0.01},
              {"top_k10%+ef21", Method::kTopK, Shift::kEf21, 0.1},
              {"rand_k10%+diana", Method::kRandK, Shift::kDiana, 0.1},
              {"dither+diana", Method::kDither, Shift::kDiana, 0},
              {"natural+diana", Method::kNatural, Shift::kDiana, 0},
              {"natural+rdiana", Method::kNatural, Shift::kRandDiana, 0}};
  std::printf("n = %llu coordinates; bytes of the h a key packet carries\n\n",
              static_cast<unsigned long long>(n));
  std::printf("%-16s %5s %7s %7s %7s %7s %11s %11s %7s %7s %6s %8s\n", "row",
              "step", "zeros", "stored", "zstd", "rans", "planes/rans",
              "planes/zstd", "planes", "shift", "bits/c", "delta B");
  for (const auto& row : rows) {
    ShiftedOptions options;
    options.shift = row.shift;
    options.k_fraction = row.k_fraction;
    options.levels = 4;
    options.seed = 1;
    absl::StatusOr<internal::ShiftedSetup> setup =
        internal::ResolveShiftedSetup(
            row.method, options, n,
            internal::MethodBlockStarts(layout, Method::kBlockSign));
    if (!setup.ok()) {
      std::fprintf(stderr, "%s: %s\n", row.name,
                   std::string(setup.status().message()).c_str());
      return 1;
    }
    internal::ShiftedSender sender(*setup, n);
    internal::ShiftedMessage message;
    std::vector<float> out(n);
    double delta_bytes = 0;
    for (size_t t = 0; t < steps->size(); ++t) {
      if (!sender.Step((*steps)[t], t, &message, absl::MakeSpan(out)).ok()) {
        std::fprintf(stderr, "%s: step %zu failed\n", row.name, t);
        return 1;
      }
      delta_bytes += static_cast<double>(message.payload.size());
      const int s = static_cast<int>(t) + 1;
      if (s == 1 || s == 10 || s == 100) {
        PrintRow(row.name, s, sender.h(), delta_bytes / s);
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace gradcodec

int main() { return gradcodec::Main(); }
