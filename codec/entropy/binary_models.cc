#include "codec/entropy/binary_models.h"

#include <algorithm>
#include <array>
#include <bit>
#include <vector>

#include "absl/numeric/int128.h"

namespace gradcodec::internal {
namespace {

constexpr uint64_t kOneQ32 = uint64_t{1} << 32;

uint64_t MulQ32(uint64_t a, uint64_t b) {
  return absl::Uint128Low64((absl::uint128(a) * b) >> 32);
}

// Candidate run caps, evaluated in ChooseContextModel.
constexpr std::array<uint32_t, 16> kRunCaps = {
    1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 255};

// Bits a symbol of frequency f costs, as a double (encoder-side estimate).
double Cost(uint32_t freq) { return SymbolCostQ16(freq) / 65536.0; }

// Expected bits per input bit of the runs model with cap R on i.i.d. bits
// with P(1) = p.
double RunsCostPerBit(double p, uint32_t p16, uint32_t max_run) {
  const FrequencyTable table = RunLengthTable(p16, max_run);
  const double q = 1.0 - p;
  double cost = 0;
  double qs = 1.0;  // q^s
  for (uint32_t s = 0; s < max_run; ++s) {
    cost += p * qs * Cost(table[s]);
    qs *= q;
  }
  cost += qs * Cost(table[max_run]);
  const double mean_length = (1.0 - qs) / p;  // input bits per phrase
  return cost / mean_length;
}

double BytesCostPerBit(double p, uint32_t p16) {
  const FrequencyTable table = ByteGroupTable(p16);
  const double q = 1.0 - p;
  double cost = 0;
  for (uint32_t b = 0; b < 256; ++b) {
    const int k = std::popcount(b);
    double probability = 1.0;
    for (int i = 0; i < k; ++i) probability *= p;
    for (int i = k; i < 8; ++i) probability *= q;
    cost += probability * Cost(table[b]);
  }
  return cost / 8.0;
}

}  // namespace

FrequencyTable RunLengthTable(uint32_t p16, uint32_t max_run) {
  const uint64_t p = static_cast<uint64_t>(p16) << 16;  // Q32
  const uint64_t q = kOneQ32 - p;
  std::array<uint64_t, kMaxRunSymbol + 1> weights{};
  uint64_t qs = kOneQ32;  // q^s in Q32
  for (uint32_t s = 0; s < max_run; ++s) {
    weights[s] = std::max<uint64_t>(1, MulQ32(p, qs));
    qs = MulQ32(qs, q);
  }
  weights[max_run] = std::max<uint64_t>(1, qs);
  return NormalizeFrequencies(absl::MakeConstSpan(weights).first(max_run + 1));
}

FrequencyTable ByteGroupTable(uint32_t p16) {
  const uint64_t p = static_cast<uint64_t>(p16) << 16;
  const uint64_t q = kOneQ32 - p;
  std::array<uint64_t, 9> p_pow{};
  std::array<uint64_t, 9> q_pow{};
  p_pow[0] = q_pow[0] = kOneQ32;
  for (int k = 1; k <= 8; ++k) {
    p_pow[k] = MulQ32(p_pow[k - 1], p);
    q_pow[k] = MulQ32(q_pow[k - 1], q);
  }
  std::array<uint64_t, 256> weights{};
  for (uint32_t b = 0; b < 256; ++b) {
    const int k = std::popcount(b);
    weights[b] = std::max<uint64_t>(1, MulQ32(p_pow[k], q_pow[8 - k]));
  }
  return NormalizeFrequencies(weights);
}

ContextModel ChooseContextModel(uint64_t bit_count, uint64_t one_count) {
  ContextModel model;
  if (one_count == 0) {
    model.mode = ContextMode::kAllZero;
    return model;
  }
  if (one_count == bit_count) {
    model.mode = ContextMode::kAllOne;
    return model;
  }
  const bool invert = 2 * one_count > bit_count;
  const uint64_t minority = invert ? bit_count - one_count : one_count;
  // Q16 probability of the minority bit, rounded, within [1, 32768].
  const uint64_t p16 = std::clamp<uint64_t>(
      (minority * 65536 + bit_count / 2) / bit_count, 1, kMaxModelP16);
  const double p = static_cast<double>(p16) / 65536.0;

  // Every candidate with its expected size in bits (per-context fields
  // included) and the rANS symbols it costs, which is what decoding speed
  // follows. Models within a whisker of the smallest differ by far less than
  // they differ in symbols (a run cap of 16 or 255 at p = 0.001 is 0.2% in
  // size but 14x in symbols), so the fewest symbols wins among candidates
  // within kSizeTolerance of the smallest. At 1% rather than 0.3% it takes
  // bytes over short runs in the contexts of dense flips: on codec_bench's
  // Decode/4 8.88 -> 8.64 ms and 0.402 -> 0.392 bits per coordinate (the
  // estimates assume independent bits; those flips pack better as bytes),
  // on the real gradient dumps (digits_mlp_f32, fast coder) 0.1% more bits.
  constexpr double kSizeTolerance = 1.01;
  struct Candidate {
    ContextModel model;
    double bits;
    double symbols;
  };
  const auto bits = static_cast<double>(bit_count);
  std::vector<Candidate> candidates;
  candidates.push_back({{ContextMode::kStored, 0, 0, 0}, bits, 0});
  candidates.push_back(
      {{invert ? ContextMode::kBytesInverted : ContextMode::kBytes,
        static_cast<uint32_t>(p16), 0, 0},
       BytesCostPerBit(p, static_cast<uint32_t>(p16)) * bits + 16,
       bits / 8});
  for (uint32_t cap : kRunCaps) {
    double qs = 1.0;  // q^cap, by multiplication: identical on every platform
    for (uint32_t i = 0; i < cap; ++i) qs *= 1.0 - p;
    const double symbols_per_bit = p / (1.0 - qs);
    candidates.push_back(
        {{invert ? ContextMode::kRunsInverted : ContextMode::kRuns,
          static_cast<uint32_t>(p16), cap, 0},
         RunsCostPerBit(p, static_cast<uint32_t>(p16), cap) * bits + 48,
         symbols_per_bit * bits + 1});
  }
  double smallest = candidates[0].bits;
  for (const Candidate& c : candidates) smallest = std::min(smallest, c.bits);
  const Candidate* best = nullptr;
  for (const Candidate& c : candidates) {
    if (c.bits > smallest * kSizeTolerance + 8) continue;
    if (best == nullptr || c.symbols < best->symbols ||
        (c.symbols == best->symbols && c.bits < best->bits)) {
      best = &c;
    }
  }
  model = best->model;
  model.expected_bits = best->bits;
  return model;
}

}  // namespace gradcodec::internal
