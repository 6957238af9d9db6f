#include "cli/commands/encode_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
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

void FlattenStep(const DumpStep& step, std::vector<float>* flat) {
  flat->clear();
  for (const DumpTensor& t : step.tensors) {
    flat->insert(flat->end(), t.values.begin(), t.values.end());
  }
}

EncodeMeter::~EncodeMeter() = default;

absl::StatusOr<std::unique_ptr<EncodeMeter>> EncodeMeter::Create(
    const CodecSettings& settings, const DumpStep& first_step) {
  const Layout layout = LayoutOf(first_step.tensors, settings.block_size);
  absl::StatusOr<std::unique_ptr<Encoder>> encoder =
      Encoder::Create(ToEncoderOptions(settings, layout));
  if (!encoder.ok()) {
    return absl::Status(encoder.status().code(),
                        absl::StrCat(first_step.path, ": ",
                                     encoder.status().message()));
  }
  std::unique_ptr<EncodeMeter> meter(new EncodeMeter());
  meter->settings_ = settings;
  meter->encoder_ = std::move(*encoder);
  meter->report_.label = std::string(MethodName(settings.method));
  meter->tensor_starts_.push_back(0);
  for (const DumpTensor& t : first_step.tensors) {
    TensorReport tensor;
    tensor.name = t.name;
    tensor.shape = t.shape;
    tensor.dtype = t.dtype;
    tensor.coordinates = t.element_count();
    const uint64_t b = settings.block_size;
    tensor.blocks = tensor.coordinates == 0 ? 0
                    : b == 0               ? 1
                                           : (tensor.coordinates + b - 1) / b;
    meter->tensor_starts_.push_back(meter->tensor_starts_.back() +
                                    tensor.coordinates);
    meter->report_.coordinates += tensor.coordinates;
    meter->report_.tensors.push_back(std::move(tensor));
  }
  const uint64_t n = meter->report_.coordinates;
  if (settings.momentum > 0) meter->momentum_.assign(n, 0.0f);
  meter->v_sum_.assign(n, 0.0f);
  return meter;
}

absl::Status EncodeMeter::AddStep(const DumpStep& step,
                                  absl::Span<const float> flat,
                                  const PacketSink& sink) {
  const uint64_t n = report_.coordinates;
  delta_.resize(n);
  const auto start = Clock::now();
  absl::Status status = encoder_->Encode(flat, &packet_, absl::MakeSpan(delta_));
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
  for (uint64_t i = 0; i < n; ++i) v_sum_[i] += v[i];

  const EncodeStats& stats = encoder_->last_stats();
  const bool flips_known = has_previous_ && !stats.key;
  const size_t tensors = report_.tensors.size();
  std::vector<double> coordinate_weights(tensors), block_weights(tensors),
      flip_weights(tensors);
  for (size_t k = 0; k < tensors; ++k) {
    TensorReport& t = report_.tensors[k];
    double error = 0, reference = 0, output = 0, dot = 0;
    uint64_t flips = 0;
    for (uint64_t i = tensor_starts_[k]; i < tensor_starts_[k + 1]; ++i) {
      const double d = delta_[i], r = v[i];
      error += (d - r) * (d - r);
      reference += r * r;
      output += d * d;
      dot += d * r;
      if (flips_known) {
        // A sign method's Delta keeps the sent sign even when its scale is
        // 0 (-0.0), so sign changes of Delta are the flips sent.
        flips += std::signbit(delta_[i]) != std::signbit(previous_delta_[i]);
      }
    }
    t.error_squares += error;
    t.reference_squares += reference;
    t.output_squares += output;
    t.dot += dot;
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
      } else if (name == "flips") {
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
  previous_delta_.swap(delta_);
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
  double residual = 0, total = 0;
  const absl::Span<const float> error = encoder_->error();
  for (uint64_t i = 0; i < v_sum_.size(); ++i) {
    if (!error.empty()) residual += double{error[i]} * error[i];
    total += double{v_sum_[i]} * v_sum_[i];
  }
  report.ef_residual = total > 0 ? std::sqrt(residual / total) : 0.0;
  return report;
}

absl::StatusOr<RunReport> RunEncoder(
    DumpSource& source, const CodecSettings& settings, const PacketSink& sink,
    const std::function<void(uint64_t)>& progress) {
  const auto start = Clock::now();
  std::unique_ptr<EncodeMeter> meter;
  std::vector<float> flat;
  for (size_t i = 0; i < source.step_paths().size(); ++i) {
    absl::StatusOr<DumpStep> step = source.ReadStep(i);
    if (!step.ok()) return step.status();
    if (meter == nullptr) {
      absl::StatusOr<std::unique_ptr<EncodeMeter>> created =
          EncodeMeter::Create(settings, *step);
      if (!created.ok()) return created.status();
      meter = std::move(*created);
    }
    FlattenStep(*step, &flat);
    if (absl::Status s = meter->AddStep(*step, flat, sink); !s.ok()) return s;
    if (progress) progress(i + 1);
  }
  RunReport report = meter->Finish();
  report.wall_seconds = Seconds(Clock::now() - start);
  return report;
}

}  // namespace gradcodec::cli
