#include "softmax_shifted.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "codec/shifted/shifted_stream.h"
#include "codec/sign/blocks.h"
#include "gradcodec/decoder.h"
#include "gradcodec/encoder.h"

namespace gradcodec::testing {
namespace {

constexpr int kF = kSoftmaxFeatures, kC = kSoftmaxClasses,
              kD = kSoftmaxDimension;

double SquaredDistance(absl::Span<const double> a,
                       absl::Span<const double> b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  return sum;
}

// The largest eigenvalue of the features' second-moment matrix over
// `samples`, by power iteration.
double LargestEigenvalue(const SoftmaxProblem& p,
                         const std::vector<int>& samples) {
  std::vector<double> m(kF * kF, 0.0);
  for (int s : samples) {
    const double* a = &p.features[static_cast<size_t>(s) * kF];
    for (int i = 0; i < kF; ++i) {
      for (int j = 0; j < kF; ++j) m[i * kF + j] += a[i] * a[j];
    }
  }
  for (double& v : m) v /= static_cast<double>(samples.size());
  std::vector<double> u(kF, 1.0), w(kF);
  double eigen = 0;
  for (int it = 0; it < 500; ++it) {
    for (int i = 0; i < kF; ++i) {
      w[i] = 0;
      for (int j = 0; j < kF; ++j) w[i] += m[i * kF + j] * u[j];
    }
    double norm = 0;
    for (double v : w) norm += v * v;
    norm = std::sqrt(norm);
    eigen = norm;
    for (int i = 0; i < kF; ++i) u[i] = w[i] / norm;
  }
  return eigen;
}

void MeanGradient(const SoftmaxProblem& p, absl::Span<const double> x,
                  std::vector<double>& g, std::vector<double>& scratch) {
  std::fill(g.begin(), g.end(), 0.0);
  scratch.resize(kD);
  for (int w = 0; w < p.workers; ++w) {
    WorkerGradient(p, w, x, absl::MakeSpan(scratch));
    for (int i = 0; i < kD; ++i) g[i] += scratch[i] / p.workers;
  }
}

}  // namespace

absl::StatusOr<SoftmaxProblem> MakeSoftmaxProblem(const Digits& digits,
                                                  int workers, double l2) {
  if (workers < 1 || workers > kC) {
    return absl::InvalidArgumentError("workers must be 1..10");
  }
  SoftmaxProblem p;
  p.workers = workers;
  p.l2 = l2;
  p.worker_samples.resize(workers);
  for (size_t s = 0; s < digits.size(); ++s) {
    for (int i = 0; i < 64; ++i) p.features.push_back(digits.features[s * 64 + i]);
    p.features.push_back(1.0);
    p.labels.push_back(digits.labels[s]);
    p.worker_samples[digits.labels[s] * workers / kC].push_back(
        static_cast<int>(s));
  }
  for (size_t s = 0; s < p.labels.size(); ++s) {
    p.row_start.push_back(p.column.size());
    for (int i = 0; i < kF; ++i) {
      const double v = p.features[s * kF + i];
      if (v == 0) continue;
      p.column.push_back(i);
      p.value.push_back(v);
    }
  }
  p.row_start.push_back(p.column.size());
  for (const std::vector<int>& samples : p.worker_samples) {
    if (samples.empty()) return absl::InvalidArgumentError("a worker has no samples");
    // The softmax cross-entropy's Hessian is at most 1/2 times the
    // features' second moment (Kronecker the identity).
    p.smoothness = std::max(p.smoothness, 0.5 * LargestEigenvalue(p, samples) + l2);
  }
  return p;
}

void WorkerGradient(const SoftmaxProblem& p, int worker,
                    absl::Span<const double> x, absl::Span<double> g) {
  const std::vector<int>& samples = p.worker_samples[worker];
  for (int i = 0; i < kD; ++i) g[i] = p.l2 * x[i];
  const double inv = 1.0 / static_cast<double>(samples.size());
  double logits[kC];
  for (int s : samples) {
    const size_t begin = p.row_start[s], end = p.row_start[s + 1];
    double top = -1e300;
    for (int c = 0; c < kC; ++c) {
      const double* w = &x[c * kF];
      double z = 0;
      for (size_t j = begin; j < end; ++j) z += w[p.column[j]] * p.value[j];
      logits[c] = z;
      top = std::max(top, z);
    }
    double total = 0;
    for (int c = 0; c < kC; ++c) total += (logits[c] = std::exp(logits[c] - top));
    for (int c = 0; c < kC; ++c) {
      const double d = (logits[c] / total - (c == p.labels[s] ? 1.0 : 0.0)) * inv;
      double* row = &g[c * kF];
      for (size_t j = begin; j < end; ++j) row[p.column[j]] += d * p.value[j];
    }
  }
}

std::vector<double> SolveOptimum(const SoftmaxProblem& p) {
  // Nesterov's method for a mu-strongly convex, L-smooth function.
  const double L = p.smoothness, mu = p.l2;
  const double beta = (std::sqrt(L / mu) - 1) / (std::sqrt(L / mu) + 1);
  std::vector<double> x(kD, 0.0), y(kD, 0.0), previous(kD, 0.0), g(kD),
      scratch;
  for (int it = 0; it < 100000; ++it) {
    MeanGradient(p, y, g, scratch);
    double norm = 0;
    for (double v : g) norm += v * v;
    if (std::sqrt(norm) < 1e-12) break;
    previous = x;
    for (int i = 0; i < kD; ++i) x[i] = y[i] - g[i] / L;
    for (int i = 0; i < kD; ++i) y[i] = x[i] + beta * (x[i] - previous[i]);
  }
  return y;
}

Layout SoftmaxLayout() {
  Layout layout;
  layout.tensors = {{"weights", {kC, kF}, DType::kFloat32, kF}};
  return layout;
}

namespace {

// One worker's link: v in, the receiver's output and the bytes sent out.
class Link {
 public:
  virtual ~Link() = default;
  virtual absl::Status Send(absl::Span<const float> v, absl::Span<float> out,
                            uint64_t* bytes) = 0;
};

class InternalLink : public Link {
 public:
  InternalLink(const internal::ShiftedSetup& setup)
      : sender_(setup, kD), receiver_(setup, kD) {}
  absl::Status Send(absl::Span<const float> v, absl::Span<float> out,
                    uint64_t* bytes) override {
    std::vector<float> sent(kD);
    if (absl::Status s =
            sender_.Step(v, sequence_, &message_, absl::MakeSpan(sent));
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            receiver_.Step(message_.refresh, message_.payload, sequence_, out);
        !s.ok()) {
      return s;
    }
    receiver_.Commit();
    if (!std::equal(sent.begin(), sent.end(), out.begin())) {
      return absl::InternalError("the receiver's output differs from the sender's");
    }
    ++sequence_;
    *bytes = message_.payload.size();
    return absl::OkStatus();
  }

 private:
  internal::ShiftedSender sender_;
  internal::ShiftedReceiver receiver_;
  internal::ShiftedMessage message_;
  uint64_t sequence_ = 0;
};

class PacketLink : public Link {
 public:
  static absl::StatusOr<std::unique_ptr<PacketLink>> Create(
      const EncoderOptions& options) {
    auto link = std::unique_ptr<PacketLink>(new PacketLink);
    absl::StatusOr<std::unique_ptr<Encoder>> encoder = Encoder::Create(options);
    if (!encoder.ok()) return encoder.status();
    link->encoder_ = std::move(*encoder);
    link->decoder_ = std::move(*Decoder::Create());
    return link;
  }
  absl::Status Send(absl::Span<const float> v, absl::Span<float> out,
                    uint64_t* bytes) override {
    std::vector<float> sent(kD);
    if (absl::Status s = encoder_->Encode(v, &packet_, absl::MakeSpan(sent));
        !s.ok()) {
      return s;
    }
    if (absl::Status s = decoder_->Decode(packet_, out); !s.ok()) return s;
    if (!std::equal(sent.begin(), sent.end(), out.begin())) {
      return absl::InternalError("the decoder's output differs from the encoder's");
    }
    *bytes = packet_.size();
    return absl::OkStatus();
  }

 private:
  PacketLink() = default;
  std::unique_ptr<Encoder> encoder_;
  std::unique_ptr<Decoder> decoder_;
  std::vector<uint8_t> packet_;
};

}  // namespace

absl::StatusOr<Curve> RunCompressedDescent(const SoftmaxProblem& p,
                                           const std::vector<double>& optimum,
                                           const ShiftRun& run, int iterations,
                                           double step, int record_every,
                                           Channel channel,
                                           uint64_t key_interval) {
  std::vector<std::unique_ptr<Link>> links;
  const Layout layout = SoftmaxLayout();
  for (int w = 0; w < p.workers; ++w) {
    ShiftedOptions options = run.shifted;
    options.seed = run.shifted.seed * 1000 + static_cast<uint64_t>(w);
    if (channel == Channel::kInternal) {
      absl::StatusOr<internal::ShiftedSetup> setup =
          internal::ResolveShiftedSetup(
              run.method, options, kD,
              internal::MethodBlockStarts(layout, Method::kBlockSign));
      if (!setup.ok()) return setup.status();
      links.push_back(std::make_unique<InternalLink>(*setup));
    } else {
      EncoderOptions encoder;
      encoder.method = run.method;
      encoder.layout = layout;
      encoder.stream_id = static_cast<uint32_t>(w);
      encoder.shifted = options;
      encoder.key_interval = key_interval;
      absl::StatusOr<std::unique_ptr<PacketLink>> link =
          PacketLink::Create(encoder);
      if (!link.ok()) return link.status();
      links.push_back(std::move(*link));
    }
  }
  std::vector<double> x(kD, 0.0), g(kD), sum(kD);
  std::vector<float> v(kD), out(kD);
  const double start = SquaredDistance(x, optimum);
  Curve curve;
  uint64_t total_bytes = 0, messages = 0;
  for (int it = 0; it < iterations; ++it) {
    if (it % record_every == 0) {
      curve.distance.push_back(SquaredDistance(x, optimum) / start);
    }
    std::fill(sum.begin(), sum.end(), 0.0);
    for (int w = 0; w < p.workers; ++w) {
      WorkerGradient(p, w, x, absl::MakeSpan(g));
      for (int i = 0; i < kD; ++i) v[i] = static_cast<float>(g[i]);
      uint64_t bytes = 0;
      if (absl::Status s = links[w]->Send(v, absl::MakeSpan(out), &bytes);
          !s.ok()) {
        return s;
      }
      total_bytes += bytes;
      ++messages;
      for (int i = 0; i < kD; ++i) sum[i] += out[i];
    }
    for (int i = 0; i < kD; ++i) x[i] -= step * sum[i] / p.workers;
  }
  curve.final_distance = SquaredDistance(x, optimum) / start;
  curve.distance.push_back(curve.final_distance);
  curve.bits_per_coordinate =
      8.0 * static_cast<double>(total_bytes) / static_cast<double>(messages) / kD;
  return curve;
}

double ShiftedExperimentStep(const SoftmaxProblem& p) {
  const double omega = 1 / kShiftedExperimentKFraction - 1;
  return 1 / (p.smoothness * (1 + 2 * omega / p.workers));
}

std::vector<ShiftRun> ShiftedExperimentRuns() {
  auto row = [](std::string name, Method method, Shift shift) {
    ShiftRun run;
    run.name = std::move(name);
    run.method = method;
    run.shifted.shift = shift;
    run.shifted.k_fraction = kShiftedExperimentKFraction;
    run.shifted.seed = 1;
    return run;
  };
  return {
      row("fp32", Method::kFp32, Shift::kNone),
      row("rand_k", Method::kRandK, Shift::kNone),
      row("rand_k+diana", Method::kRandK, Shift::kDiana),
      row("rand_k+rdiana", Method::kRandK, Shift::kRandDiana),
      row("top_k+ef21", Method::kTopK, Shift::kEf21),
      row("top_k+ef", Method::kTopK, Shift::kErrorFeedback),
      row("dither+diana", Method::kDither, Shift::kDiana),
      row("natural+diana", Method::kNatural, Shift::kDiana),
  };
}

}  // namespace gradcodec::testing
