#include "spec/method_vectors.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "codec/method_sections.h"
#include "codec/shifted/key_shift.h"
#include "codec/shifted/shifted_sections.h"
#include "codec/shifted/shifted_stream.h"
#include "codec/splitmix64.h"
#include "format/byte_reader.h"
#include "format/checksum.h"
#include "format/packet.h"
#include "gradcodec/decoder.h"
#include "gradcodec/encoder.h"
#include "gradcodec/packet_info.h"
#include "spec/vector_results.h"

namespace gradcodec::spec {
namespace {

using Bytes = std::vector<uint8_t>;

// Two tensors of awkward sizes with blocks of 16: blocks that end inside a
// tensor and a tensor that is one block.
Layout VectorLayout() {
  Layout layout;
  layout.tensors = {{"weight", {9, 7}, DType::kFloat32, 16},
                    {"bias", {9}, DType::kFloat32, 0}};
  return layout;
}

// Step t of a slowly changing series, so that signs repeat from step to
// step as signxor expects.
std::vector<float> Step(uint64_t count, int t) {
  std::vector<float> out(count);
  internal::SplitMix64 base(11), noise(200 + static_cast<uint64_t>(t));
  for (auto& v : out) {
    v = static_cast<float>(base.NextDouble() - 0.5 +
                           0.4 * (noise.NextDouble() - 0.5));
  }
  return out;
}

// `steps` packets of one encoder.
std::vector<Bytes> EncodeSteps(const EncoderOptions& options, int steps) {
  auto encoder = std::move(*Encoder::Create(options));
  std::vector<Bytes> packets;
  for (int t = 0; t < steps; ++t) {
    Bytes packet;
    (void)encoder->Encode(Step(options.layout.coordinate_count(), t), &packet);
    packets.push_back(std::move(packet));
  }
  return packets;
}

Bytes StreamFile(const std::vector<Bytes>& packets) {
  Bytes file;
  for (const Bytes& packet : packets) {
    const auto size = static_cast<uint32_t>(packet.size());
    for (int i = 0; i < 4; ++i) file.push_back(static_cast<uint8_t>(size >> (8 * i)));
    file.insert(file.end(), packet.begin(), packet.end());
  }
  return file;
}

// Rebuilds a packet with its sections changed by `edit`, and a correct
// checksum.
template <typename Edit>
Bytes Rebuilt(const Bytes& packet, Edit edit) {
  absl::StatusOr<internal::ParsedPacket> parsed = internal::ParsePacket(packet);
  PacketHeader header = parsed->header;
  std::vector<Bytes> payloads;
  std::vector<uint8_t> types;
  for (const internal::SectionView& section : parsed->sections) {
    types.push_back(section.type);
    payloads.emplace_back(section.payload.begin(), section.payload.end());
  }
  edit(header, types, payloads);
  std::vector<internal::SectionData> sections;
  for (size_t k = 0; k < types.size(); ++k) {
    sections.push_back({types[k], payloads[k]});
  }
  return internal::SerializePacket(header, sections);
}


// Section 11.10: every shifted method with a shift rule, their
// desynchronisation and their setup and payload errors. `stream` is
// AddMethodVectors's: (name, description, packets, expected error).
template <typename Stream>
void AddShiftedVectors(Stream& stream) {
  auto options = [](Method method, Shift shift) {
    EncoderOptions o;
    o.method = method;
    o.layout = VectorLayout();
    o.key_interval = 4;
    o.shifted.shift = shift;
    o.shifted.k_fraction = 0.25;
    o.shifted.seed = 7;
    o.shifted.refresh_probability = 0.5;
    if (shift == Shift::kFixed) {
      o.shifted.fixed_shift.assign(o.layout.coordinate_count(), 0.25f);
    }
    return o;
  };
  const struct {
    const char* name;
    Method method;
    Shift shift;
  } rows[] = {{"top_k_ef21", Method::kTopK, Shift::kEf21},
              {"rand_k_diana", Method::kRandK, Shift::kDiana},
              {"dither_rand_diana", Method::kDither, Shift::kRandDiana},
              {"natural_none", Method::kNatural, Shift::kNone},
              {"fp16_fixed", Method::kFp16, Shift::kFixed},
              {"bf16_error_feedback", Method::kBf16, Shift::kErrorFeedback},
              {"fp32_diana", Method::kFp32, Shift::kDiana}};
  for (const auto& row : rows) {
    stream(absl::StrCat("shifted_", row.name),
           absl::StrCat(row.name, ": key, three deltas, key, delta"),
           EncodeSteps(options(row.method, row.shift), 6));
  }
  // Section 11.10.5: the second key packet of an evolving rule holds
  // `shift`, so a receiver that starts there outputs what one that saw the
  // whole stream does (the same results as packets 4 and 5 of shifted_*).
  for (const auto& row : rows) {
    if (row.shift != Shift::kEf21 && row.shift != Shift::kDiana &&
        row.shift != Shift::kRandDiana) {
      continue;
    }
    const std::vector<Bytes> all =
        EncodeSteps(options(row.method, row.shift), 6);
    const std::vector<std::string> whole =
        absl::StrSplit(StreamResult(StreamFile(all)), ' ');
    const std::string joined = StreamResult(StreamFile({all[4], all[5]}));
    if (joined != absl::StrCat(whole[4], " ", whole[5])) {
      std::fprintf(stderr,
                   "shift_join_%s: \"%s\" is not the whole stream's "
                   "last two results\n",
                   row.name, joined.c_str());
      std::abort();
    }
    stream(absl::StrCat("shift_join_", row.name),
           absl::StrCat(row.name,
                        ": packets 4 (a key holding `shift`) and 5 "
                        "only, as a receiver joining there sees them"),
           {all[4], all[5]});
  }
  {
    const std::vector<Bytes> rk6 =
        EncodeSteps(options(Method::kRandK, Shift::kDiana), 6);
    const Bytes shift = [&] {
      const internal::ParsedPacket key = *internal::ParsePacket(rk6[4]);
      const absl::Span<const uint8_t> p =
          key.Find(internal::kKeyShiftSection)->payload;
      return Bytes(p.begin(), p.end());
    }();
    // Sets (or adds, in type order) the `shift` section of `packet`.
    auto with_shift = [](const Bytes& packet, Bytes payload) {
      return Rebuilt(packet, [&](PacketHeader&, std::vector<uint8_t>& types,
                                 std::vector<Bytes>& payloads) {
        for (size_t k = 0; k < types.size(); ++k) {
          if (types[k] == internal::kKeyShiftSection) {
            payloads[k] = payload;
            return;
          }
        }
        types.push_back(internal::kKeyShiftSection);
        payloads.push_back(payload);
      });
    };
    stream("shift_in_delta",
           "a rand_k/diana delta holding a `shift` section (SECTION_PRESENCE)",
           {rk6[0], with_shift(rk6[1], shift)}, "SECTION_PRESENCE");
    stream(
        "shift_for_rule_none",
        "a natural/none key packet holding a `shift` section "
        "(SECTION_PRESENCE)",
        {with_shift(EncodeSteps(options(Method::kNatural, Shift::kNone), 1)[0],
                    shift)},
        "SECTION_PRESENCE");
    // The key's h in each layout (section 11.10.5): the same output.
    std::vector<float> h(72);
    if (!internal::ReadKeyShift(shift, absl::MakeSpan(h)).ok()) std::abort();
    Bytes interleaved, planes;
    internal::WriteKeyShift(h, internal::ShiftLayout::kInterleaved,
                            &interleaved);
    internal::WriteKeyShift(h, internal::ShiftLayout::kPlanes, &planes);
    stream("shift_layouts",
           "packet 4 of shifted_rand_k_diana with its `shift` in the "
           "interleaved, then in the planes layout: the same output twice",
           {with_shift(rk6[4], interleaved), with_shift(rk6[4], planes)});
    stream("shift_truncated",
           "a key packet whose planes `shift` lacks its last byte: plane_3 "
           "runs past the payload (LENGTH_OUT_OF_BOUNDS), then the true key "
           "and delta",
           {rk6[0], with_shift(rk6[4], Bytes(planes.begin(), planes.end() - 1)),
            rk6[4], rk6[5]},
           "LENGTH_OUT_OF_BOUNDS");
    Bytes layout_2 = planes;
    layout_2[0] = 2;
    stream("shift_layout_2", "a `shift` with shift_layout 2 (INVALID_FIELD)",
           {with_shift(rk6[4], layout_2)}, "INVALID_FIELD");
    // h = +infinity in coordinate 0, +0.0 elsewhere: shift_layout 1, four
    // stored planes of 72 symbols (prefix 74, byte_coder 0, symbol_count
    // 72).
    Bytes infinite = {1};
    for (uint8_t first :
         {uint8_t{0x00}, uint8_t{0x00}, uint8_t{0x80}, uint8_t{0x7F}}) {
      infinite.insert(infinite.end(), {74, 0, 72, first});
      infinite.insert(infinite.end(), 71, 0);
    }
    stream("shift_infinite",
           "a key packet whose `shift` holds +infinity (INVALID_FIELD)",
           {with_shift(rk6[4], infinite)}, "INVALID_FIELD");
    stream("shift_trailing",
           "a planes `shift` with a byte after plane_3 (TRAILING_BYTES)",
           {with_shift(rk6[4],
                       [&] {
                         Bytes b = planes;
                         b.push_back(0);
                         return b;
                       }())},
           "TRAILING_BYTES");
    // A rand_diana key whose `shifted_values` became a `refresh` of v,
    // with the `shift` kept beside it.
    const std::vector<Bytes> rd =
        EncodeSteps(options(Method::kDither, Shift::kRandDiana), 6);
    stream("shift_with_refresh",
           "a dither/rand_diana key packet holding `refresh` and `shift` "
           "(SECTION_PRESENCE)",
           {Rebuilt(with_shift(rd[4], shift),
                    [](PacketHeader&, std::vector<uint8_t>& types,
                       std::vector<Bytes>& payloads) {
                      for (size_t k = 0; k < types.size(); ++k) {
                        if (types[k] == internal::kRefreshSection) return;
                        if (types[k] != internal::kShiftedValuesSection)
                          continue;
                        // `refresh` (0x13) sorts where `shifted_values`
                        // (0x11) was: `fixed_shift` is absent here.
                        types[k] = internal::kRefreshSection;
                        payloads[k].clear();
                        internal::WriteDenseFloats(Step(72, 4), &payloads[k]);
                      }
                    })},
           "SECTION_PRESENCE");
  }
  {
    EncoderOptions o = options(Method::kTopK, Shift::kDiana);
    o.method = Method::kRandK;
    o.shifted.values = ValuePrecision::kFp16;
    stream("shifted_rand_k_fp16_values", "rand_k with binary16 values, diana",
           EncodeSteps(o, 3));
    o.method = Method::kTopK;
    o.shifted.shift = Shift::kEf21;
    o.shifted.values = ValuePrecision::kBf16;
    stream("shifted_top_k_bf16_values", "top_k with bfloat16 values, ef21",
           EncodeSteps(o, 3));
  }
  const std::vector<Bytes> rk = EncodeSteps(options(Method::kRandK, Shift::kDiana), 4);
  stream("shifted_lost_packet",
         "rand_k/diana packets 0, 1, 3 (SEQUENCE_MISMATCH), then 2 and 3: the "
         "refused packet changed no shift",
         {rk[0], rk[1], rk[3], rk[2], rk[3]}, "SEQUENCE_MISMATCH");
  stream("shifted_wrong_reference",
         "a rand_k/diana delta whose reference_fingerprint is one bit off "
         "(REFERENCE_MISMATCH), then the true one",
         {rk[0],
          Rebuilt(rk[1], [](PacketHeader& h, auto&, auto&) {
            h.reference_fingerprint ^= 1;
          }),
          rk[1]},
         "REFERENCE_MISMATCH");
  // Setup fields: shift_rule, value_format, levels, k, alpha, seed.
  auto with_setup = [&](const Bytes& key, Bytes setup) {
    return Rebuilt(key, [&](PacketHeader&, std::vector<uint8_t>& types,
                            std::vector<Bytes>& payloads) {
      for (size_t k = 0; k < types.size(); ++k) {
        if (types[k] == internal::kShiftSetupSection) payloads[k] = setup;
      }
    });
  };
  auto setup_bytes = [](uint8_t rule, uint8_t format, uint8_t levels,
                        uint8_t k, uint32_t alpha) {
    Bytes b = {rule, format, levels, k};
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(alpha >> (8 * i)));
    for (int i = 0; i < 8; ++i) b.push_back(i == 0 ? 7 : 0);
    return b;
  };
  const uint32_t kOne = 0x3F800000;  // 1.0f
  stream("shift_rule_6", "a shift_setup with shift_rule 6 (INVALID_FIELD)",
         {with_setup(rk[0], setup_bytes(6, 0, 0, 18, 0))}, "INVALID_FIELD");
  stream("shift_k_above_n", "rand_k with k 73 of 72 coordinates (INVALID_FIELD)",
         {with_setup(rk[0], setup_bytes(3, 0, 0, 73, kOne))}, "INVALID_FIELD");
  stream("shift_alpha_2", "diana with alpha 2.0 (INVALID_FIELD)",
         {with_setup(rk[0], setup_bytes(3, 0, 0, 18, 0x40000000))},
         "INVALID_FIELD");
  stream("shift_setup_trailing", "a shift_setup with a byte too many "
         "(TRAILING_BYTES)",
         {with_setup(rk[0], [&] {
           Bytes b = setup_bytes(3, 0, 0, 18, kOne);
           b.push_back(0);
           return b;
         }())},
         "TRAILING_BYTES");
  {
    const std::vector<Bytes> top =
        EncodeSteps(options(Method::kTopK, Shift::kEf21), 1);
    stream("shift_top_k_diana",
           "top_k (biased) with shift_rule diana: an invalid combination "
           "(INVALID_FIELD)",
           {with_setup(top[0], setup_bytes(3, 0, 0, 18, kOne))},
           "INVALID_FIELD");
  }
  stream("shifted_without_setup",
         "a rand_k key packet without shift_setup (SECTION_PRESENCE)",
         {Rebuilt(rk[0], [](PacketHeader&, std::vector<uint8_t>& types,
                            std::vector<Bytes>& payloads) {
           for (size_t k = 0; k < types.size(); ++k) {
             if (types[k] != internal::kShiftSetupSection) continue;
             types.erase(types.begin() + static_cast<ptrdiff_t>(k));
             payloads.erase(payloads.begin() + static_cast<ptrdiff_t>(k));
             break;
           }
         })},
         "SECTION_PRESENCE");
  stream("shifted_refresh_in_diana",
         "a diana delta holding a refresh section as well (SECTION_PRESENCE)",
         {rk[0], Rebuilt(rk[1], [](PacketHeader&, std::vector<uint8_t>& types,
                                   std::vector<Bytes>& payloads) {
            types.push_back(internal::kRefreshSection);
            payloads.push_back(Bytes{0, 0});
          })},
         "SECTION_PRESENCE");
  {
    // fp16 values that are all +infinity (0x7C00): a stored byte stream of
    // 144 symbols.
    Bytes infinite = {0, 0x90, 0x01};
    for (int i = 0; i < 72; ++i) {
      infinite.push_back(0x00);
      infinite.push_back(0x7C);
    }
    const std::vector<Bytes> half = EncodeSteps(options(Method::kFp16, Shift::kNone), 1);
    stream("shifted_fp16_infinite",
           "fp16 values that are infinite (INVALID_FIELD)",
           {Rebuilt(half[0], [&](PacketHeader&, std::vector<uint8_t>& types,
                                 std::vector<Bytes>& payloads) {
             for (size_t k = 0; k < types.size(); ++k) {
               if (types[k] == internal::kShiftedValuesSection) payloads[k] = infinite;
             }
           })},
           "INVALID_FIELD");
    stream("shifted_values_truncated",
           "an fp16 values byte stream one symbol short (CORRUPT_PAYLOAD)",
           {Rebuilt(half[0], [&](PacketHeader&, std::vector<uint8_t>& types,
                                 std::vector<Bytes>& payloads) {
             Bytes short_stream = {0, 0x8F, 0x01};
             for (int i = 0; i < 143; ++i) short_stream.push_back(0);
             for (size_t k = 0; k < types.size(); ++k) {
               if (types[k] == internal::kShiftedValuesSection) {
                 payloads[k] = short_stream;
               }
             }
           })},
           "CORRUPT_PAYLOAD");
  }
}

}  // namespace

std::string StreamResult(const std::vector<uint8_t>& file) {
  auto decoder = std::move(*Decoder::Create());
  internal::ByteReader reader(file);
  std::string result;
  while (reader.remaining() != 0) {
    uint32_t size = 0;
    absl::Span<const uint8_t> packet;
    if (!reader.ReadU32("packet_length", &size).ok() ||
        !reader.ReadBytes("packet", size, &packet).ok()) {
      return "BAD_HARNESS";
    }
    absl::StatusOr<PacketInfo> info = ReadPacketInfo(packet);
    const uint64_t count = info.ok() ? info->header.coordinate_count
                           : decoder->layout() != nullptr
                               ? decoder->layout()->coordinate_count()
                               : 0;
    if (count > kVectorMaxCoordinates) return "BAD_HARNESS";
    std::vector<float> out(count);
    const absl::Status status = decoder->Decode(packet, absl::MakeSpan(out));
    if (!result.empty()) result += ' ';
    if (status.ok()) {
      result += absl::StrFormat(
          "ok:%016x",
          internal::Xxh3(absl::Span<const uint8_t>(
              reinterpret_cast<const uint8_t*>(out.data()),
              out.size() * sizeof(float))));
    } else {
      result += ErrorName(status);
    }
  }
  return result;
}

void AddMethodVectors(
    absl::FunctionRef<void(VectorKind, std::string, std::string, std::string,
                           Bytes)>
        add) {
  // The expectation is the reference decoder's result, checked here
  // against what the vector is meant to show: every packet decodes, or
  // the named error appears.
  auto stream = [&](const std::string& name, const std::string& description,
                    const std::vector<Bytes>& packets,
                    const std::string& error = "") {
    const Bytes file = StreamFile(packets);
    const std::string result = StreamResult(file);
    const bool all_ok = absl::StrContains(absl::StrCat(" ", result), " ok:") &&
                        result.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
                            std::string::npos;
    if (error.empty() ? !all_ok : !absl::StrContains(result, error)) {
      std::fprintf(stderr, "stream vector %s: result \"%s\" does not show %s\n",
                   name.c_str(), result.c_str(),
                   error.empty() ? "success" : error.c_str());
      std::abort();
    }
    add(VectorKind::kStream, absl::StrCat("streams/", name, ".bin"), result,
        description, file);
  };
  auto options = [](Method method, SignCoder coder) {
    EncoderOptions o;
    o.method = method;
    o.layout = VectorLayout();
    o.sign_coder = coder;
    o.momentum = 0.9f;
    o.key_interval = 4;
    return o;
  };
  const struct {
    const char* name;
    Method method;
  } methods[] = {{"sign", Method::kSign},
                 {"scaled_sign", Method::kScaledSign},
                 {"block_sign", Method::kBlockSign},
                 {"signxor", Method::kSignXor}};
  // ---- Valid: six packets each (keys at 0 and 4), both coders. --------
  for (const auto& m : methods) {
    for (SignCoder coder : {SignCoder::kFast, SignCoder::kAdaptive}) {
      const char* coder_name = coder == SignCoder::kFast ? "fast" : "adaptive";
      stream(absl::StrCat(m.name, "_", coder_name),
             absl::StrCat(m.name, ", ", coder_name,
                          " coder: key, three deltas, key, delta"),
             EncodeSteps(options(m.method, coder), 6));
    }
  }
  const std::vector<Bytes> sx = EncodeSteps(options(Method::kSignXor, SignCoder::kFast), 4);
  {
    EncoderOptions o = options(Method::kSignXor, SignCoder::kFast);
    o.flip_history = 2;
    stream("signxor_history_2", "signxor with history_bits 2 (4 contexts)",
           EncodeSteps(o, 4));
    o.flip_history = 0;
    stream("signxor_history_0", "signxor with history_bits 0 (one context)",
           EncodeSteps(o, 4));
  }
  // ---- Desynchronisation (section 5.3). --------------------------------
  stream("signxor_lost_packet",
         "packets 0, 1, 3 (SEQUENCE_MISMATCH), then 2 and 3 decode: the "
         "refused packet changed nothing",
         {sx[0], sx[1], sx[3], sx[2], sx[3]}, "SEQUENCE_MISMATCH");
  stream("signxor_delta_first",
         "a delta packet before any key packet (REFERENCE_MISMATCH)", {sx[1]},
         "REFERENCE_MISMATCH");
  stream("signxor_repeated", "packet 1 twice: the second is SEQUENCE_MISMATCH",
         {sx[0], sx[1], sx[1], sx[2]}, "SEQUENCE_MISMATCH");
  {
    const Bytes wrong = Rebuilt(sx[1], [](PacketHeader& h, auto&, auto&) {
      h.reference_fingerprint ^= 1;
    });
    stream("signxor_wrong_reference",
           "a delta whose reference_fingerprint is one bit off "
           "(REFERENCE_MISMATCH), then the true one",
           {sx[0], wrong, sx[1]}, "REFERENCE_MISMATCH");
  }
  // ---- Method checks (section 11.1). -----------------------------------
  {
    const Bytes unknown = Rebuilt(sx[0], [](PacketHeader& h, auto&, auto&) {
      h.method_id = 12;
    });
    stream("unknown_method", "a key packet with method_id 12 (UNSUPPORTED_METHOD)",
           {unknown}, "UNSUPPORTED_METHOD");
    const Bytes changed = Rebuilt(sx[1], [](PacketHeader& h, auto&, auto&) {
      h.method_id = static_cast<uint8_t>(Method::kBlockSign);
    });
    stream("method_changed",
           "a signxor stream's delta relabelled block_sign "
           "(REFERENCE_MISMATCH)",
           {sx[0], changed}, "REFERENCE_MISMATCH");
  }
  {
    const std::vector<Bytes> sign = EncodeSteps(options(Method::kSign, SignCoder::kFast), 1);
    const Bytes with_scales =
        Rebuilt(sign[0], [](PacketHeader&, std::vector<uint8_t>& types,
                            std::vector<Bytes>& payloads) {
          // A block_scales section before the signs: sign packets hold none.
          types.insert(types.begin() + 1, internal::kBlockScalesSection);
          payloads.insert(payloads.begin() + 1, Bytes{1, 0, 0});
        });
    stream("sign_with_scales",
           "a sign key packet holding block_scales (SECTION_PRESENCE)",
           {with_scales}, "SECTION_PRESENCE");
    const Bytes foreign =
        Rebuilt(sx[0], [](PacketHeader&, std::vector<uint8_t>& types,
                          std::vector<Bytes>& payloads) {
          types.push_back(0x07);
          payloads.push_back(Bytes{0});
        });
    stream("unknown_method_section",
           "a signxor key packet with method section type 0x07 "
           "(SECTION_PRESENCE)",
           {foreign}, "SECTION_PRESENCE");
    const Bytes no_flips =
        Rebuilt(sx[1], [](PacketHeader&, std::vector<uint8_t>& types,
                          std::vector<Bytes>& payloads) {
          types.pop_back();  // the flips section is the last
          payloads.pop_back();
        });
    stream("signxor_delta_without_flips",
           "a signxor delta without its flips section (SECTION_PRESENCE)",
           {sx[0], no_flips}, "SECTION_PRESENCE");
  }
  // ---- adaptive_flips (section 11.7.1). --------------------------------
  {
    const std::vector<Bytes> ax =
        EncodeSteps(options(Method::kSignXor, SignCoder::kAdaptive), 4);
    // The adaptive_flips payload is the last section of a delta.
    auto edit = [&](size_t packet, auto change) {
      return Rebuilt(ax[packet], [&](PacketHeader&, auto&,
                                     std::vector<Bytes>& payloads) {
        change(payloads.back());
      });
    };
    stream("adaptive_flips_carried_after_key",
           "the first delta after a key says its models are carried "
           "(INVALID_FIELD: the stream holds none)",
           {ax[0], edit(1, [](Bytes& b) { b[1] = internal::kCarriedModels; })},
           "INVALID_FIELD");
    stream("adaptive_flips_rates_changed",
           "a delta carrying models with another fast_rate than they were "
           "taught with (INVALID_FIELD), then the true one",
           {ax[0], ax[1], edit(2, [](Bytes& b) { b[2] = 5; }), ax[2], ax[3]},
           "INVALID_FIELD");
    stream("adaptive_flips_history_bits_9",
           "an adaptive_flips section with history_bits 9 (INVALID_FIELD)",
           {ax[0], edit(1, [](Bytes& b) { b[0] = 9; })}, "INVALID_FIELD");
    stream("adaptive_flips_models_2",
           "an adaptive_flips section with models 2 (INVALID_FIELD)",
           {ax[0], edit(1, [](Bytes& b) { b[1] = 2; })}, "INVALID_FIELD");
    stream("adaptive_flips_slow_rate_0",
           "an adaptive_flips section with slow_rate 0 (INVALID_FIELD)",
           {ax[0], edit(1, [](Bytes& b) { b[3] = 0; })}, "INVALID_FIELD");
    stream("adaptive_flips_truncated",
           "an adaptive_flips section of two bytes (TRUNCATED)",
           {ax[0], edit(1, [](Bytes& b) { b.resize(2); })}, "TRUNCATED");
    const Bytes both =
        Rebuilt(ax[1], [&](PacketHeader&, std::vector<uint8_t>& types,
                           std::vector<Bytes>& payloads) {
          // The fast stream's flips section beside the adaptive one.
          types.insert(types.end() - 1, internal::kFlipsSection);
          payloads.insert(payloads.end() - 1, Bytes{0, 0});
        });
    stream("flips_and_adaptive_flips",
           "a signxor delta holding both flips sections (SECTION_PRESENCE)",
           {ax[0], both}, "SECTION_PRESENCE");
  }
  // ---- grouped_flips (section 11.7.2). ---------------------------------
  {
    // The encoder groups flip contexts from 2^16 coordinates on.
    EncoderOptions o = options(Method::kSignXor, SignCoder::kFast);
    o.layout.tensors = {{"weight", {256, 256}, DType::kFloat32, 4096}};
    const std::vector<Bytes> gx = EncodeSteps(o, 4);
    stream("signxor_grouped",
           "signxor at 65536 coordinates, fast coder: key, three deltas "
           "holding grouped_flips (minor version 3)",
           gx);
    // The grouped_flips payload is the last section of a delta.
    auto edit = [&](auto change, size_t packet = 1) {
      return Rebuilt(gx[packet],
                     [&](PacketHeader&, auto&, std::vector<Bytes>& payloads) {
                       change(payloads.back());
                     });
    };
    stream("grouped_flips_history_bits_7",
           "a grouped_flips section with history_bits 7 (INVALID_FIELD)",
           {gx[0], edit([](Bytes& b) { b[0] = 7; })}, "INVALID_FIELD");
    stream("grouped_flips_group_count_0",
           "a grouped_flips section with group_count 0 (INVALID_FIELD)",
           {gx[0], edit([](Bytes& b) { b[1] = 0; })}, "INVALID_FIELD");
    stream("grouped_flips_group_count_65",
           "a grouped_flips section with group_count 65, above "
           "2^history_bits (INVALID_FIELD)",
           {gx[0], edit([](Bytes& b) { b[1] = 65; })}, "INVALID_FIELD");
    stream("grouped_flips_context_group_too_large",
           "a grouped_flips section whose last context_group is group_count "
           "(INVALID_FIELD), then the true one",
           {gx[0], edit([](Bytes& b) { b[2 + 63] = b[1]; }), gx[1], gx[2]},
           "INVALID_FIELD");
    stream("grouped_flips_truncated_table",
           "a grouped_flips section that ends in its context_group table "
           "(TRUNCATED)",
           {gx[0], edit([](Bytes& b) { b.resize(40); })}, "TRUNCATED");
    // The first delta's flips all have context 0 (the key cleared the
    // history), so one group; the second's have two contexts.
    stream("grouped_flips_regrouped",
           "a second delta's grouped_flips with two contexts' groups "
           "swapped: its group bit counts no longer match (CORRUPT_PAYLOAD)",
           {gx[0], gx[1],
            edit(
                [](Bytes& b) {
                  // Two contexts of different groups trade places.
                  for (size_t c = 3; c < 2 + 64; ++c) {
                    if (b[c] != b[2]) {
                      std::swap(b[2], b[c]);
                      break;
                    }
                  }
                },
                2)},
           "CORRUPT_PAYLOAD");
    const Bytes both =
        Rebuilt(gx[1], [&](PacketHeader&, std::vector<uint8_t>& types,
                           std::vector<Bytes>& payloads) {
          types.insert(types.end() - 1, internal::kFlipsSection);
          payloads.insert(payloads.end() - 1, Bytes{0, 0});
        });
    stream("flips_and_grouped_flips",
           "a signxor delta holding flips and grouped_flips "
           "(SECTION_PRESENCE)",
           {gx[0], both}, "SECTION_PRESENCE");
  }
  // ---- Payload errors (sections 11.4 and 11.7). ------------------------
  {
    const Bytes history = Rebuilt(sx[1], [](PacketHeader&, auto&,
                                            std::vector<Bytes>& payloads) {
      payloads.back()[0] = 7;  // history_bits
    });
    stream("history_bits_7", "a flips section with history_bits 7 "
                             "(INVALID_FIELD)",
           {sx[0], history}, "INVALID_FIELD");
    const Bytes empty = Rebuilt(sx[1], [](PacketHeader&, auto&,
                                          std::vector<Bytes>& payloads) {
      payloads.back().clear();
    });
    stream("flips_empty", "an empty flips section (TRUNCATED)", {sx[0], empty}, "TRUNCATED");
    const Bytes format = Rebuilt(sx[0], [](PacketHeader&,
                                           std::vector<uint8_t>& types,
                                           std::vector<Bytes>& payloads) {
      for (size_t k = 0; k < types.size(); ++k) {
        if (types[k] == internal::kBlockScalesSection) payloads[k][0] = 2;
      }
    });
    stream("scale_format_2", "block_scales with scale_format 2 "
                             "(INVALID_FIELD)",
           {format}, "INVALID_FIELD");
    const Bytes big_code = Rebuilt(sx[0], [](PacketHeader&,
                                             std::vector<uint8_t>& types,
                                             std::vector<Bytes>& payloads) {
      for (size_t k = 0; k < types.size(); ++k) {
        if (types[k] != internal::kBlockScalesSection) continue;
        // Stored byte stream of five varints: the first code is 16257.
        payloads[k] = {1, 0, 7, 0x82, 0xFE, 0x01, 0, 0, 0, 0};
      }
    });
    stream("scale_code_too_large",
           "a first scale code of 16257 (INVALID_FIELD)", {big_code},
           "INVALID_FIELD");
  }
  AddShiftedVectors(stream);
}

}  // namespace gradcodec::spec
