// Writes seed inputs for the codec_decoder fuzz target: short streams of
// every method, the shifted ones with every shift rule they accept (key,
// two deltas, then a second key, which for EF21, DIANA and Rand-DIANA
// carries the learned shift in its `shift` section; u16-length-prefixed
// packets), small enough for -max_len; and a signxor stream whose deltas'
// flips are rewritten as `grouped_flips` (which the encoder writes only
// from 2^16 coordinates on, far above -max_len); and longer fast-coded
// signxor streams, whose flips the decoder merges by planes.
// Run: build/fuzz/make_codec_seeds fuzz/corpus/codec_decoder
#include <cstdio>
#include <string>
#include <vector>

#include "codec/method_sections.h"
#include "codec/signxor/sign_reference.h"
#include "format/packet.h"
#include "gradcodec/encoder.h"
#include "gradcodec/packet_info.h"
#include "synthetic_input.h"

namespace {

using Packet = std::vector<uint8_t>;

// The stream with every `flips` section replaced by the `grouped_flips`
// section of one group per context (group_of[c] = c), which decodes to the
// same flips, and the fingerprints chained anew.
std::vector<Packet> WithGroupedFlips(const std::vector<Packet>& packets) {
  using namespace gradcodec;
  std::vector<Packet> out;
  uint64_t fingerprint = 0;
  for (const Packet& packet : packets) {
    absl::StatusOr<internal::ParsedPacket> parsed =
        internal::ParsePacket(packet);
    if (!parsed.ok()) return {};
    PacketHeader header = parsed->header;
    std::vector<internal::SectionData> sections;
    Packet grouped;
    for (const internal::SectionView& section : parsed->sections) {
      if (section.type == internal::kSignsSection) {
        fingerprint = internal::ChainFingerprint(0, section.payload);
      }
      if (section.type != internal::kFlipsSection) {
        sections.push_back({section.type, section.payload});
        continue;
      }
      const uint8_t history_bits = section.payload[0];
      const uint32_t contexts = 1u << history_bits;
      grouped = {history_bits, static_cast<uint8_t>(contexts)};
      for (uint32_t c = 0; c < contexts; ++c) {
        grouped.push_back(static_cast<uint8_t>(c));
      }
      grouped.insert(grouped.end(), section.payload.begin() + 1,
                     section.payload.end());
      header.reference_fingerprint = fingerprint;
      header.version_minor = kGroupedFlipsVersionMinor;
      fingerprint = internal::ChainFingerprint(
          fingerprint ^ internal::kGroupedFlipsSection, grouped);
      sections.push_back({internal::kGroupedFlipsSection, grouped});
    }
    out.push_back(internal::SerializePacket(header, sections));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gradcodec;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus folder>\n", argv[0]);
    return 2;
  }
  int written = 0;
  auto write = [&](const EncoderOptions& options, const std::string& name,
                   bool grouped = false, int steps = 4) {
    auto encoder = std::move(*Encoder::Create(options));
    std::vector<Packet> packets;
    for (int t = 0; t < steps; ++t) {
      std::vector<float> step =
          fuzz::SeedStep(options.layout.coordinate_count(), t);
      std::vector<uint8_t> packet;
      if (!encoder->Encode(step, &packet).ok()) return false;
      packets.push_back(std::move(packet));
    }
    if (grouped) packets = WithGroupedFlips(packets);
    if (packets.empty()) return false;
    std::vector<uint8_t> input;
    for (const Packet& packet : packets) {
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
  {
    EncoderOptions options = base();
    options.method = Method::kSignXor;
    options.sign_coder = SignCoder::kFast;
    if (!write(options, "seed_method4_grouped", true)) return 1;
  }
  // Fast-coded signxor deltas that the decoder merges by planes (the
  // 68-coordinate streams above store their few flips instead): enough
  // coordinates for several of the merge's blocks of words at six planes
  // (64 words each) and a partial last word, and enough steps for the
  // histories to fill; as `flips`, and rewritten as `grouped_flips` with
  // 64 groups (the dense group merge) and with 8 (the few-groups merge).
  for (const uint32_t history : {6u, 3u}) {
    EncoderOptions options;
    options.layout.tensors = {{"w", {4400}, DType::kFloat32, 256},
                              {"b", {101}, DType::kFloat32, 0}};
    options.method = Method::kSignXor;
    options.sign_coder = SignCoder::kFast;
    options.flip_history = history;
    const std::string name =
        "seed_method4_fast_history" + std::to_string(history);
    if (!write(options, name, false, 8) ||
        !write(options, name + "_grouped", true, 8)) {
      return 1;
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
