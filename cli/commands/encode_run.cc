#include "cli/commands/encode_run.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "cli/commands/reconstruction_moments.h"
#include "cli/commands/shift_file.h"
#include "gradcodec/names.h"
#include "gradcodec/packet_info.h"

namespace gradcodec::cli {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Binary entropy of a flip count out of n, in bits for all n coordinates.
double FlipEntropyBits(uint64_t flips, uint64_t n) {
  if (flips == 0 || flips >= n) return 0;
  const double p = static_cast<double>(flips) / static_cast<double>(n);
  return static_cast<double>(n) *
         (-p * std::log2(p) - (1 - p) * std::log2(1 - p));
}

// Shares `bytes` out in proportion to `weights` (evenly by the fallback
// weights when every weight is 0).
void ShareOut(double bytes, const std::vector<double>& weights,
              const std::vector<double>& fallback,
              std::vector<TensorReport>& tensors) {
  double total = 0;
  for (double w : weights) total += w;
  const std::vector<double>& use = total > 0 ? weights : fallback;
  if (total <= 0) {
    for (double w : fallback) total += w;
  }
  if (total <= 0) return;
  for (size_t k = 0; k < tensors.size(); ++k) {
    tensors[k].output_bytes += bytes * use[k] / total;
  }
}

}  // namespace

double TensorReport::relative_error() const {
  return reference_squares > 0 ? std::sqrt(error_squares / reference_squares)
                               : (error_squares > 0 ? INFINITY : 0.0);
}

double TensorReport::cosine_similarity() const {
  const double norms = std::sqrt(output_squares * reference_squares);
  return norms > 0 ? dot / norms : (output_squares == reference_squares ? 1 : 0);
}

double RunReport::bits_per_coordinate() const {
  const double coordinates_sent =
      static_cast<double>(steps) * static_cast<double>(coordinates);
  return coordinates_sent > 0
             ? 8.0 * static_cast<double>(output_bytes) / coordinates_sent
             : 0.0;
}

double RunReport::relative_error() const {
  TensorReport all;
  for (const TensorReport& t : tensors) {
    all.error_squares += t.error_squares;
    all.reference_squares += t.reference_squares;
  }
  return all.relative_error();
}

double RunReport::cosine_similarity() const {
  TensorReport all;
  for (const TensorReport& t : tensors) {
    all.dot += t.dot;
    all.output_squares += t.output_squares;
    all.reference_squares += t.reference_squares;
  }
  return all.cosine_similarity();
}

RunReport EmptyReport(std::string label, const DumpStep& first_step,
                      uint64_t block_size, std::vector<uint64_t>* tensor_starts) {
  RunReport report;
  report.label = std::move(label);
  tensor_starts->assign(1, 0);
  for (const DumpTensor& t : first_step.tensors) {
    TensorReport tensor;
    tensor.name = t.name;
    tensor.shape = t.shape;
    tensor.dtype = t.dtype;
    tensor.coordinates = t.element_count();
    const uint64_t b = block_size;
    tensor.blocks = tensor.coordinates == 0 ? 0
                    : b == 0               ? 1
                                           : (tensor.coordinates + b - 1) / b;
    tensor_starts->push_back(tensor_starts->back() + tensor.coordinates);
    report.coordinates += tensor.coordinates;
    report.tensors.push_back(std::move(tensor));
  }
  return report;
}

EncodeMeter::~EncodeMeter() = default;

absl::StatusOr<std::unique_ptr<EncodeMeter>> EncodeMeter::Create(
    const CodecSettings& settings, const DumpStep& first_step) {
  const Layout layout = LayoutOf(first_step.tensors, settings.block_size);
  EncoderOptions options = ToEncoderOptions(settings, layout);
  // The sign methods of an analyze run ignore the shifted methods' flags.
  if (!settings.shift_file.empty() && IsShiftedMethod(settings.method)) {
    absl::StatusOr<std::vector<float>> h =
        ReadShiftFile(settings.shift_file, first_step);
    if (!h.ok()) return h.status();
    options.shifted.fixed_shift = *std::move(h);
  }
  absl::StatusOr<std::unique_ptr<Encoder>> encoder = Encoder::Create(options);
  if (!encoder.ok()) {
    return absl::Status(encoder.status().code(),
                        absl::StrCat(first_step.path, ": ",
                                     encoder.status().message()));
  }
  std::unique_ptr<EncodeMeter> meter(new EncodeMeter());
  meter->settings_ = settings;
  meter->sign_method_ =
      std::find(std::begin(kSignMethods), std::end(kSignMethods),
                settings.method) != std::end(kSignMethods);
  meter->encoder_ = std::move(*encoder);
  meter->report_ =
      EmptyReport(std::string(MethodName(settings.method)), first_step,
                  settings.block_size, &meter->tensor_starts_);
  const uint64_t n = meter->report_.coordinates;
  if (settings.momentum > 0) meter->momentum_.assign(n, 0.0f);
  return meter;
}

absl::Status EncodeMeter::AddStep(const DumpStep& step,
                                  absl::Span<const float> flat,
                                  const PacketSink& sink) {
  const uint64_t n = report_.coordinates;
  const auto start = Clock::now();
  // The sign methods' Delta comes from last_reconstruction; the others
  // write it out.
  dense_delta_.resize(sign_method_ ? 0 : n);
  absl::Status status =
      encoder_->Encode(flat, &packet_, absl::MakeSpan(dense_delta_));
  report_.encode_seconds += Seconds(Clock::now() - start);
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat(step.path, ": ", status.message()));
  }
  if (sink) {
    if (absl::Status s = sink(packet_); !s.ok()) return s;
  }
  for (const std::string& note : step.notes) {
    if (std::find(notes_seen_.begin(), notes_seen_.end(), note) ==
        notes_seen_.end()) {
      notes_seen_.push_back(note);
    }
  }

  // v: what the encoder compressed before error feedback (the Nesterov
  // form of DESIGN.md section 1 when momentum is on: m = mu m + g,
  // v = mu m + g).
  const float* v = flat.data();
  if (settings_.momentum > 0) {
    const float mu = settings_.momentum;
    v_.resize(n);
    for (uint64_t i = 0; i < n; ++i) {
      momentum_[i] = mu * momentum_[i] + flat[i];
      v_[i] = mu * momentum_[i] + flat[i];
    }
    v = v_.data();
  }
  const EncodeStats& stats = encoder_->last_stats();
  const SignedScales delta = encoder_->last_reconstruction();
  // The signs sent are the sign bits of Delta (kept even where a scale is
  // 0), so sign changes against the previous packet are its flips.
  const absl::Span<const uint64_t> previous_signs =
      has_previous_ && !stats.key ? absl::MakeConstSpan(previous_signs_)
                                  : absl::Span<const uint64_t>();
  const size_t tensors = report_.tensors.size();
  std::vector<double> coordinate_weights(tensors), block_weights(tensors),
      flip_weights(tensors);
  for (size_t k = 0; k < tensors; ++k) {
    TensorReport& t = report_.tensors[k];
    const uint64_t begin = tensor_starts_[k];
    const ReconstructionMoments m =
        sign_method_
            ? MeasureReconstruction(absl::MakeConstSpan(v, n), delta,
                                    previous_signs, begin, tensor_starts_[k + 1])
            : MeasureDenseReconstruction(absl::MakeConstSpan(v, n),
                                         dense_delta_, begin,
                                         tensor_starts_[k + 1]);
    t.error_squares += m.error_squares;
    t.reference_squares += m.reference_squares;
    t.output_squares += m.output_squares;
    t.dot += m.dot;
    const uint64_t flips = m.flips;
    t.input_bytes += t.coordinates * DTypeSize(t.dtype);
    coordinate_weights[k] = static_cast<double>(t.coordinates);
    block_weights[k] = static_cast<double>(t.blocks);
    flip_weights[k] = FlipEntropyBits(flips, t.coordinates);
  }

  // Share the packet's bytes out by section (see the header).
  absl::StatusOr<PacketInfo> info = ReadPacketInfo(packet_);
  double shared_by_coordinates = static_cast<double>(packet_.size());
  if (info.ok()) {
    for (const SectionInfo& section : info->sections) {
      const absl::string_view name = SectionTypeName(section.type);
      const auto bytes = static_cast<double>(section.size);
      if (name == "block_scales") {
        ShareOut(bytes, block_weights, coordinate_weights, report_.tensors);
      } else if (name == "flips" || name == "adaptive_flips" ||
                 name == "grouped_flips") {
        ShareOut(bytes, flip_weights, coordinate_weights, report_.tensors);
      } else {
        continue;
      }
      shared_by_coordinates -= bytes;
    }
  }
  ShareOut(shared_by_coordinates, coordinate_weights, coordinate_weights,
           report_.tensors);

  report_.steps += 1;
  report_.output_bytes += packet_.size();
  report_.key_packets += stats.key ? 1 : 0;
  report_.input_bytes = 0;
  for (const TensorReport& t : report_.tensors) {
    report_.input_bytes += t.input_bytes;
  }
  previous_signs_.assign(delta.signs.begin(), delta.signs.end());
  has_previous_ = true;
  return absl::OkStatus();
}

void AddFramingBytes(uint64_t bytes, RunReport* report) {
  report->output_bytes += bytes;
  std::vector<double> weights;
  for (const TensorReport& t : report->tensors) {
    weights.push_back(static_cast<double>(t.coordinates));
  }
  ShareOut(static_cast<double>(bytes), weights, weights, report->tensors);
}

RunReport EncodeMeter::Finish() const {
  RunReport report = report_;
  report.notes = notes_seen_;
  double residual = 0, step_squares = 0;
  for (float e : encoder_->error()) residual += double{e} * e;
  for (const TensorReport& t : report.tensors) {
    step_squares += t.reference_squares;
  }
  const double mean_step_squares =
      report.steps > 0 ? step_squares / static_cast<double>(report.steps) : 0;
  report.ef_residual =
      mean_step_squares > 0 ? std::sqrt(residual / mean_step_squares) : 0.0;
  return report;
}

}  // namespace gradcodec::cli
