// Writes seed inputs for the codec_decoder fuzz target: short streams of
// every method, the shifted ones with every shift rule they accept (key,
// two deltas, then a second key, which for EF21, DIANA and Rand-DIANA
// carries the learned shift in its `shift` section; u16-length-prefixed
// packets), small enough for -max_len.
// Run: build/fuzz/make_codec_seeds fuzz/corpus/codec_decoder
#include <cstdio>
#include <string>
#include <vector>

#include "gradcodec/encoder.h"
#include "synthetic_input.h"

int main(int argc, char** argv) {
  using namespace gradcodec;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus folder>\n", argv[0]);
    return 2;
  }
  int written = 0;
  auto write = [&](const EncoderOptions& options, const std::string& name) {
    auto encoder = std::move(*Encoder::Create(options));
    std::vector<uint8_t> input;
    for (int t = 0; t < 4; ++t) {
      std::vector<float> step = fuzz::SeedStep(68, t);
      std::vector<uint8_t> packet;
      if (!encoder->Encode(step, &packet).ok()) return false;
      input.push_back(static_cast<uint8_t>(packet.size()));
      input.push_back(static_cast<uint8_t>(packet.size() >> 8));
      input.insert(input.end(), packet.begin(), packet.end());
    }
    const std::string path = std::string(argv[1]) + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    std::fwrite(input.data(), 1, input.size(), f);
    std::fclose(f);
    ++written;
    return true;
  };
  auto base = [] {
    EncoderOptions options;
    options.layout.tensors = {{"w", {7, 9}, DType::kFloat32, 16},
                              {"b", {5}, DType::kFloat32, 0}};
    options.key_interval = 3;
    return options;
  };
  for (int method = 1; method <= 4; ++method) {
    for (int coder = 1; coder <= 2; ++coder) {
      EncoderOptions options = base();
      options.method = static_cast<Method>(method);
      options.sign_coder = static_cast<SignCoder>(coder);
      if (!write(options, "seed_method" + std::to_string(method) + "_coder" +
                              std::to_string(coder))) {
        return 1;
      }
    }
  }
  // The shifted methods (5..11), each with every shift rule it accepts.
  for (int method = 5; method <= 11; ++method) {
    for (int shift = 0; shift <= 5; ++shift) {
      EncoderOptions options = base();
      options.method = static_cast<Method>(method);
      options.shifted.shift = static_cast<Shift>(shift);
      options.shifted.k_fraction = 0.25;
      options.shifted.refresh_probability = 0.5;
      if (options.shifted.shift == Shift::kFixed) {
        options.shifted.fixed_shift.assign(68, 0.125f);
      }
      if (!Encoder::Create(options).ok()) continue;
      if (!write(options, "seed_method" + std::to_string(method) + "_shift" +
                              std::to_string(shift))) {
        return 1;
      }
    }
  }
  std::printf("wrote %d seeds\n", written);
  return 0;
}
