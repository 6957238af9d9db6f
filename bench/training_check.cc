// Issue 4's real training check: prints, for fp32 and each codec setting,
// test accuracy, final training loss and uplink/downlink bits per
// coordinate (every packet byte counted), as the mean over seeds; issue 6
// adds rows for the shifted methods (top_k, rand_k, dither, natural, fp16
// with their shift rules).
//
//   build/release/bench/training_check [--seeds N] [--sweep]
//
// --sweep adds signxor rows over lambda, block sizes (the workers' and the
// broadcast's), flip history and coder: the measurement the defaults in
// codec_options.h and the check's settings in digits_mlp.h come from.
//
// Distributed SGD on ../shared/data/digits.csv: 64-128-128-10 ReLU MLP,
// M = 4 workers, batch 32 each, Nesterov momentum 0.9 on the workers, lr
// 0.05, 300 steps, two-way compression (worker encoders, Aggregator, one
// broadcast stream). The sign rows' workers use blocks of
// testing::kCheckBlockSize and their broadcast testing::SignBroadcast()
// (signxor, blocks of 32, no rate-distortion); the shifted rows broadcast
// with their own method. "one-way" rows apply the exact mean of the
// workers' reconstructions. See tests/support/digits_mlp.h.
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "digits_mlp.h"
#include "gradcodec/error_code.h"
#include "safetensors_reader.h"

int main(int argc, char** argv) {
  using namespace gradcodec;
  int seeds = 3;
  bool sweep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
      seeds = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--sweep") == 0) {
      sweep = true;
    }
  }
  const std::string shared = testing::SharedGradsDir();
  if (shared.empty()) {
    std::printf("../shared/data is absent: nothing to train on\n");
    return 0;
  }
  auto digits = testing::LoadDigits(shared + "/../digits.csv");
  if (!digits.ok()) {
    std::fprintf(stderr, "%s\n", std::string(digits.status().message()).c_str());
    return 1;
  }
  // A row: the workers' codec and the rest of the run's settings (the
  // broadcast, or one-way compression).
  struct Row {
    std::string name;
    std::optional<EncoderOptions> codec;
    std::optional<EncoderOptions> broadcast = testing::SignBroadcast();
    bool exact_downlink = false;
  };
  auto codec = [](Method method, double lambda,
                  uint64_t block = testing::kCheckBlockSize) {
    EncoderOptions options;
    options.method = method;
    options.layout = testing::MlpLayout(block);
    options.rd_lambda = lambda;
    return std::optional<EncoderOptions>(options);
  };
  const double lambda = EncoderOptions{}.rd_lambda;
  std::vector<Row> rows = {
      {"fp32", std::nullopt},
      {"scaled_sign", codec(Method::kScaledSign, 0)},
      {"block_sign", codec(Method::kBlockSign, 0)},
      {"signxor (RD off)", codec(Method::kSignXor, 0)},
      {"signxor (defaults)", codec(Method::kSignXor, lambda)},
      {"signxor (defaults), one-way", codec(Method::kSignXor, lambda),
       std::nullopt, true},
  };
  // Issue 6: the shifted family, workers and broadcast alike (blocks of 256
  // for dither's norms).
  auto shifted = [&codec](Method method, Shift shift, double k_fraction) {
    auto options = codec(method, 0, 256);
    options->shifted.shift = shift;
    options->shifted.k_fraction = k_fraction;
    return options;
  };
  auto add_shifted = [&rows, &shifted](const std::string& name, Method method,
                                       Shift shift, double k_fraction) {
    rows.push_back({name, shifted(method, shift, k_fraction), std::nullopt});
  };
  add_shifted("top_k 1% + ef", Method::kTopK, Shift::kErrorFeedback, 0.01);
  add_shifted("top_k 1% + ef21", Method::kTopK, Shift::kEf21, 0.01);
  add_shifted("rand_k 10% + diana", Method::kRandK, Shift::kDiana, 0.1);
  add_shifted("rand_k 50% + diana", Method::kRandK, Shift::kDiana, 0.5);
  add_shifted("dither s=4 + diana", Method::kDither, Shift::kDiana, 0);
  add_shifted("natural + ef", Method::kNatural, Shift::kErrorFeedback, 0);
  add_shifted("fp16 + ef", Method::kFp16, Shift::kErrorFeedback, 0);
  if (sweep) {
    for (double l : {0.8, 1.0, 1.25, 1.75, 2.0}) {
      rows.push_back({"signxor lambda " + std::to_string(l),
                      codec(Method::kSignXor, l)});
    }
    // The block sizes: the workers' (RD off and defaults), and the
    // broadcast's (the workers' own blocks, as before).
    for (uint64_t block : {256u, 1024u, 0u}) {
      const std::string blocks =
          block == 0 ? "a block per tensor" : "blocks of " + std::to_string(block);
      rows.push_back({"signxor RD off, " + blocks,
                      codec(Method::kSignXor, 0, block)});
      rows.push_back({"signxor defaults, " + blocks,
                      codec(Method::kSignXor, lambda, block)});
    }
    for (uint64_t block : {uint64_t{256}, testing::kCheckBlockSize}) {
      EncoderOptions broadcast = testing::SignBroadcast();
      broadcast.layout = testing::MlpLayout(block);
      rows.push_back({"block_sign, blocks of " + std::to_string(block) +
                          ", broadcast with the same blocks",
                      codec(Method::kBlockSign, 0, block), broadcast});
      rows.push_back({"signxor defaults, blocks of " + std::to_string(block) +
                          ", broadcast with the same blocks",
                      codec(Method::kSignXor, lambda, block), broadcast});
    }
    rows.push_back({"block_sign, one-way", codec(Method::kBlockSign, 0),
                    std::nullopt, true});
    for (uint32_t history : {0u, 2u, 4u, 6u, 7u}) {
      auto options = codec(Method::kSignXor, 0);
      options->flip_history = history;
      rows.push_back({"signxor RD off, history " + std::to_string(history),
                      options});
    }
    for (double target : {0.25, 0.3, 0.35}) {
      for (SignCoder coder : {SignCoder::kFast, SignCoder::kAdaptive}) {
        auto options = codec(Method::kSignXor, 1.0);
        options->target_bits_per_coordinate = target;
        options->sign_coder = coder;
        rows.push_back({"signxor target " + std::to_string(target) +
                            (coder == SignCoder::kAdaptive ? " adaptive" : " fast"),
                        options});
      }
    }
    auto fast = codec(Method::kSignXor, 0);
    fast->sign_coder = SignCoder::kFast;
    rows.push_back({"signxor RD off, fast coder", fast});
  }
  std::printf("| method | test accuracy | final training loss | uplink bits/coord "
              "| downlink bits/coord |\n|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    testing::TrainingResult mean;
    bool diverged = false;
    for (int seed = 1; seed <= seeds && !diverged; ++seed) {
      testing::TrainingConfig config;
      config.seed = static_cast<uint64_t>(seed);
      config.broadcast = row.broadcast;
      config.exact_downlink = row.exact_downlink;
      auto result = testing::TrainDigits(*digits, config, row.codec);
      // A method too noisy for this learning rate drives the weights to
      // infinity; that is a result for the table, not a failure of the
      // program.
      if (!result.ok() &&
          GetErrorCode(result.status()) == ErrorCode::kNonFiniteInput) {
        diverged = true;
        break;
      }
      if (!result.ok()) {
        std::fprintf(stderr, "%s: %s\n", row.name.c_str(),
                     std::string(result.status().message()).c_str());
        return 1;
      }
      mean.test_accuracy += result->test_accuracy / seeds;
      mean.final_loss += result->final_loss / seeds;
      mean.uplink_bits += result->uplink_bits / seeds;
      mean.downlink_bits += result->downlink_bits / seeds;
    }
    if (diverged) {
      std::printf("| %s | diverged (an update overflowed) | - | - | - |\n",
                  row.name.c_str());
      continue;
    }
    std::printf("| %s | %.2f%% | %.4f | %.3f | %.3f |\n", row.name.c_str(),
                100 * mean.test_accuracy, mean.final_loss, mean.uplink_bits,
                mean.downlink_bits);
  }
  return 0;
}
