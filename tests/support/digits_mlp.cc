#include "digits_mlp.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "codec/splitmix64.h"
#include "gradcodec/aggregator.h"
#include "gradcodec/decoder.h"
#include "gradcodec/encoder.h"

namespace gradcodec::testing {
namespace {

constexpr int kInput = 64, kHidden = 128, kClasses = 10;

// Offsets of each parameter tensor in the flat vector (layout order).
constexpr size_t kW1 = 0;
constexpr size_t kB1 = kW1 + kHidden * kInput;
constexpr size_t kW2 = kB1 + kHidden;
constexpr size_t kB2 = kW2 + kHidden * kHidden;
constexpr size_t kW3 = kB2 + kHidden;
constexpr size_t kB3 = kW3 + kClasses * kHidden;
constexpr size_t kParameters = kB3 + kClasses;

// One dense layer: out[o] = b[o] + sum_i w[o * in + i] x[i].
void Dense(const float* w, const float* b, const float* x, int in, int out,
           float* y) {
  for (int o = 0; o < out; ++o) {
    float sum = b[o];
    for (int i = 0; i < in; ++i) sum += w[o * in + i] * x[i];
    y[o] = sum;
  }
}

struct Activations {
  float h1[kHidden], a1[kHidden], h2[kHidden], a2[kHidden], logits[kClasses],
      p[kClasses];
};

// Returns the sample's cross-entropy; fills `act`.
double Forward(const std::vector<float>& x, const float* input,
               int label, Activations& act) {
  Dense(&x[kW1], &x[kB1], input, kInput, kHidden, act.h1);
  for (int i = 0; i < kHidden; ++i) act.a1[i] = std::max(0.0f, act.h1[i]);
  Dense(&x[kW2], &x[kB2], act.a1, kHidden, kHidden, act.h2);
  for (int i = 0; i < kHidden; ++i) act.a2[i] = std::max(0.0f, act.h2[i]);
  Dense(&x[kW3], &x[kB3], act.a2, kHidden, kClasses, act.logits);
  const float top = *std::max_element(act.logits, act.logits + kClasses);
  double total = 0;
  for (int c = 0; c < kClasses; ++c) {
    act.p[c] = std::exp(act.logits[c] - top);
    total += act.p[c];
  }
  for (int c = 0; c < kClasses; ++c) {
    act.p[c] = static_cast<float>(act.p[c] / total);
  }
  return -std::log(std::max(1e-12, static_cast<double>(act.p[label])));
}

// Adds the sample's gradient of the cross-entropy, times `scale`, to g.
void Backward(const std::vector<float>& x, const float* input, int label,
              const Activations& act, float scale, std::vector<float>& g) {
  float d3[kClasses], d2[kHidden], d1[kHidden];
  for (int c = 0; c < kClasses; ++c) {
    d3[c] = (act.p[c] - (c == label ? 1.0f : 0.0f)) * scale;
  }
  for (int c = 0; c < kClasses; ++c) {
    g[kB3 + c] += d3[c];
    for (int i = 0; i < kHidden; ++i) g[kW3 + c * kHidden + i] += d3[c] * act.a2[i];
  }
  for (int i = 0; i < kHidden; ++i) {
    float sum = 0;
    for (int c = 0; c < kClasses; ++c) sum += x[kW3 + c * kHidden + i] * d3[c];
    d2[i] = act.h2[i] > 0 ? sum : 0.0f;
  }
  for (int o = 0; o < kHidden; ++o) {
    g[kB2 + o] += d2[o];
    for (int i = 0; i < kHidden; ++i) g[kW2 + o * kHidden + i] += d2[o] * act.a1[i];
  }
  for (int i = 0; i < kHidden; ++i) {
    float sum = 0;
    for (int o = 0; o < kHidden; ++o) sum += x[kW2 + o * kHidden + i] * d2[o];
    d1[i] = act.h1[i] > 0 ? sum : 0.0f;
  }
  for (int o = 0; o < kHidden; ++o) {
    g[kB1 + o] += d1[o];
    for (int i = 0; i < kInput; ++i) g[kW1 + o * kInput + i] += d1[o] * input[i];
  }
}

std::vector<float> InitialParameters(uint64_t seed) {
  // He-uniform weights, zero biases.
  std::vector<float> x(kParameters, 0.0f);
  internal::SplitMix64 rng(seed * 7919 + 17);
  auto fill = [&](size_t offset, int out, int in) {
    const double limit = std::sqrt(6.0 / in);
    for (int k = 0; k < out * in; ++k) {
      x[offset + static_cast<size_t>(k)] =
          static_cast<float>((2 * rng.NextDouble() - 1) * limit);
    }
  };
  fill(kW1, kHidden, kInput);
  fill(kW2, kHidden, kHidden);
  fill(kW3, kClasses, kHidden);
  return x;
}

}  // namespace

absl::StatusOr<Digits> LoadDigits(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  Digits digits;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream fields(line);
    std::string field;
    std::vector<float> values;
    while (std::getline(fields, field, ',')) values.push_back(std::stof(field));
    if (values.size() != kInput + 1) {
      return absl::DataLossError(absl::StrCat(path, ": a line has ",
                                              values.size(), " fields"));
    }
    for (int i = 0; i < kInput; ++i) digits.features.push_back(values[i] / 16);
    digits.labels.push_back(static_cast<int>(values[kInput]));
  }
  return digits;
}

Layout MlpLayout(uint64_t block_size) {
  Layout layout;
  layout.tensors = {
      {"fc1.weight", {kHidden, kInput}, DType::kFloat32, block_size},
      {"fc1.bias", {kHidden}, DType::kFloat32, block_size},
      {"fc2.weight", {kHidden, kHidden}, DType::kFloat32, block_size},
      {"fc2.bias", {kHidden}, DType::kFloat32, block_size},
      {"fc3.weight", {kClasses, kHidden}, DType::kFloat32, block_size},
      {"fc3.bias", {kClasses}, DType::kFloat32, block_size},
  };
  return layout;
}

EncoderOptions SignBroadcast() {
  EncoderOptions options;
  options.method = Method::kSignXor;
  options.layout = MlpLayout(kCheckBroadcastBlockSize);
  options.momentum = 0;
  options.rd_lambda = 0;
  return options;
}

absl::StatusOr<TrainingResult> TrainDigits(
    const Digits& digits, const TrainingConfig& config,
    const std::optional<EncoderOptions>& codec) {
  // A fixed-seed shuffle, then train and test splits.
  std::vector<size_t> order(digits.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  internal::SplitMix64 shuffle(config.seed);
  for (size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1],
              order[static_cast<size_t>(shuffle.NextDouble() * static_cast<double>(i))]);
  }
  const auto train_count = static_cast<size_t>(config.train_samples);
  const float* const features = digits.features.data();

  std::vector<float> x = InitialParameters(config.seed);
  const int m = config.workers;
  std::vector<std::vector<float>> momentum(
      static_cast<size_t>(m), std::vector<float>(kParameters, 0.0f));
  std::vector<internal::SplitMix64> batches;
  for (int w = 0; w < m; ++w) {
    batches.emplace_back(config.seed * 1000 + static_cast<uint64_t>(w));
  }

  std::vector<std::unique_ptr<Encoder>> encoders;
  std::unique_ptr<Aggregator> aggregator;
  std::unique_ptr<Decoder> receiver;
  std::vector<std::unique_ptr<Decoder>> worker_receivers;  // exact_downlink
  if (codec.has_value()) {
    for (int w = 0; w < m; ++w) {
      EncoderOptions options = *codec;
      options.momentum = config.momentum;
      options.stream_id = static_cast<uint32_t>(w);
      absl::StatusOr<std::unique_ptr<Encoder>> e = Encoder::Create(options);
      if (!e.ok()) return e.status();
      encoders.push_back(std::move(*e));
    }
    if (config.exact_downlink) {
      for (int w = 0; w < m; ++w) {
        worker_receivers.push_back(std::move(*Decoder::Create()));
      }
    } else {
      AggregatorOptions options;
      options.worker_count = static_cast<uint32_t>(m);
      if (config.broadcast.has_value()) {
        options.broadcast = *config.broadcast;
      } else {
        options.broadcast = *codec;
        options.broadcast.momentum = 0;
        options.broadcast.rd_lambda = 0;
      }
      options.broadcast.stream_id = 1000;
      absl::StatusOr<std::unique_ptr<Aggregator>> a =
          Aggregator::Create(options);
      if (!a.ok()) return a.status();
      aggregator = std::move(*a);
      receiver = std::move(*Decoder::Create());
    }
  }

  TrainingResult result;
  uint64_t uplink_bytes = 0, downlink_bytes = 0, uplink_packets = 0;
  double lambda_sum = 0;
  std::vector<float> g(kParameters), update(kParameters);
  std::vector<uint8_t> packet;
  Activations act;
  for (int step = 0; step < config.steps; ++step) {
    std::fill(update.begin(), update.end(), 0.0f);
    for (int w = 0; w < m; ++w) {
      std::fill(g.begin(), g.end(), 0.0f);
      for (int b = 0; b < config.batch; ++b) {
        const size_t sample =
            order[static_cast<size_t>(batches[static_cast<size_t>(w)].NextDouble() *
                                      static_cast<double>(train_count))];
        const float* input = features + sample * kInput;
        Forward(x, input, digits.labels[sample], act);
        Backward(x, input, digits.labels[sample], act,
                 1.0f / static_cast<float>(config.batch), g);
      }
      if (!codec.has_value()) {
        // Nesterov: m = mu m + g, v = mu m + g, averaged over workers.
        std::vector<float>& mw = momentum[static_cast<size_t>(w)];
        for (size_t i = 0; i < kParameters; ++i) {
          mw[i] = config.momentum * mw[i] + g[i];
          update[i] += (config.momentum * mw[i] + g[i]) / static_cast<float>(m);
        }
        continue;
      }
      if (absl::Status s = encoders[static_cast<size_t>(w)]->Encode(g, &packet);
          !s.ok()) {
        return s;
      }
      uplink_bytes += packet.size();
      ++uplink_packets;
      lambda_sum += encoders[static_cast<size_t>(w)]->last_stats().lambda;
      if (config.exact_downlink) {
        if (absl::Status s =
                worker_receivers[static_cast<size_t>(w)]->DecodeAndAdd(
                    packet, 1.0f / static_cast<float>(m),
                    absl::MakeSpan(update));
            !s.ok()) {
          return s;
        }
        continue;
      }
      if (absl::Status s = aggregator->AddWorkerPacket(static_cast<uint32_t>(w), packet);
          !s.ok()) {
        return s;
      }
    }
    if (codec.has_value() && !config.exact_downlink) {
      if (absl::Status s = aggregator->Finish(&packet); !s.ok()) return s;
      downlink_bytes += packet.size();
      if (absl::Status s = receiver->Decode(packet, absl::MakeSpan(update));
          !s.ok()) {
        return s;
      }
    }
    for (size_t i = 0; i < kParameters; ++i) {
      x[i] -= config.learning_rate * update[i];
    }
  }

  double loss = 0;
  for (size_t k = 0; k < train_count; ++k) {
    const size_t sample = order[k];
    loss += Forward(x, features + sample * kInput, digits.labels[sample], act);
  }
  result.final_loss = loss / static_cast<double>(train_count);
  size_t correct = 0;
  for (size_t k = train_count; k < order.size(); ++k) {
    const size_t sample = order[k];
    Forward(x, features + sample * kInput, digits.labels[sample], act);
    correct += static_cast<size_t>(
        std::max_element(act.p, act.p + kClasses) - act.p ==
        digits.labels[sample]);
  }
  result.test_accuracy = static_cast<double>(correct) /
                         static_cast<double>(order.size() - train_count);
  if (codec.has_value()) {
    const double n = static_cast<double>(kParameters);
    result.uplink_bits = 8.0 * static_cast<double>(uplink_bytes) /
                         (n * static_cast<double>(uplink_packets));
    result.downlink_bits = 8.0 * static_cast<double>(downlink_bytes) /
                           (n * config.steps);
    result.mean_lambda = lambda_sum / static_cast<double>(uplink_packets);
  }
  return result;
}

}  // namespace gradcodec::testing
