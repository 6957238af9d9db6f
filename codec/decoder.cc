#include "gradcodec/decoder.h"

#include <algorithm>
#include <bit>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/method_sections.h"
#include "codec/shifted/compressor.h"
#include "codec/shifted/shifted_decoder.h"
#include "codec/sign/blocks.h"
#include "codec/sign/scale_quantizer.h"
#include "codec/sign/sign_quantizer.h"
#include "codec/signxor/sign_reference.h"
#include "codec/state_blob.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "format/layout_section.h"
#include "format/packet.h"
#include "format/section_types.h"
#include "gradcodec/error_code.h"

namespace gradcodec {

using internal::BitWords;

namespace {

// What a stream's key packet fixes until the next one.
struct StreamSetup {
  Layout layout;
  uint64_t layout_fingerprint = 0;
  uint64_t count = 0;
  Method method = Method::kSign;
  std::vector<uint64_t> block_starts;
};

bool IsImplemented(uint8_t method_id) {
  return method_id >= static_cast<uint8_t>(Method::kSign) &&
         method_id <= static_cast<uint8_t>(Method::kFp32);
}

// One packet decoded but not yet applied: the signs to reconstruct from,
// the scales, and what the state becomes.
struct DecodedPacket {
  std::optional<StreamSetup> new_setup;  // key packets
  std::vector<uint64_t> signs;
  std::vector<float> scales;
  // signxor
  std::vector<uint64_t> flips;           // deltas
  absl::Span<const uint8_t> bits_payload;  // signs or flips section payload
  uint8_t bits_section = 0;                // its type
  internal::MixedModels flip_models;     // after an `adaptive_flips` section
  // A delta's output, written while its flips were decoded (DecodePacket).
  bool output_written = false;
  // The shifted methods: the output, and a key packet's fresh receiver.
  bool shifted = false;
  std::vector<float> shifted_out;
  std::unique_ptr<internal::ShiftedDecoder> new_shifted;
};

}  // namespace

struct Decoder::State {
  DecoderOptions options;
  std::optional<StreamSetup> setup;  // none before the first key packet
  uint64_t expected_sequence = 0;
  internal::SignReference reference;  // signxor
  std::unique_ptr<internal::ShiftedDecoder> shifted;  // shifted methods
  // Scratch.
  std::vector<uint32_t> codes;
  std::vector<uint8_t> contexts;  // of `adaptive_flips` bits
  // The sign, flip and scale vectors of the last packet, lent to the next
  // one (fresh vectors of a stream's size every packet cost page faults).
  std::vector<uint64_t> spare_signs, spare_flips;
  std::vector<float> spare_scales;

  // Lends the spare vectors to `decoded` and takes them back.
  void Lend(DecodedPacket& decoded) {
    decoded.signs.swap(spare_signs);
    decoded.flips.swap(spare_flips);
    decoded.scales.swap(spare_scales);
  }
  void TakeBack(DecodedPacket& decoded) {
    spare_signs.swap(decoded.signs);
    spare_flips.swap(decoded.flips);
    spare_scales.swap(decoded.scales);
  }

  // Decodes everything a packet says without changing the state. With
  // `out` (Decode's, which holds unspecified values on error), a signxor
  // delta's output is written there as its flips are merged, each block
  // of them while it is in cache, and decoded->output_written set: the
  // streaming stores of a large output then go on beside the merge's work
  // instead of in a pass of their own after it.
  absl::Status DecodePacket(const internal::ParsedPacket& parsed,
                            uint64_t out_size, DecodedPacket* decoded,
                            float* out = nullptr);
  // Applies a decoded packet to the state (nothing here can fail).
  // Takes the decoded signs for a signxor delta: output first.
  void Commit(const internal::ParsedPacket& parsed, DecodedPacket& decoded);
};

namespace {

absl::Status SectionPresenceError(absl::string_view what) {
  return MakeError(ErrorCode::kSectionPresence, what);
}

// A `flips` payload (spec section 11.7) or, with `grouped`, a
// `grouped_flips` one (11.7.2: the same after its group table) against
// `reference`: its flips into decoded.flips, the reference untouched,
// `on_merged` told of their words as they are decoded.
absl::Status DecodeFlips(absl::Span<const uint8_t> payload, bool grouped,
                         const internal::SignReference& reference, uint64_t n,
                         DecodedPacket& decoded,
                         internal::MergedWords on_merged) {
  const absl::string_view section = grouped ? "grouped_flips" : "flips";
  if (payload.empty()) {
    return MakeError(
        ErrorCode::kTruncated,
        absl::StrCat("the `", section, "` section has no `history_bits`"));
  }
  const uint32_t history_bits = payload[0];
  if (history_bits > internal::kMaxFlipHistory) {
    return MakeError(
        ErrorCode::kInvalidField,
        absl::StrCat("`", section, "` field `history_bits` is ", history_bits,
                     "; it must be 0..", internal::kMaxFlipHistory));
  }
  const uint32_t contexts = 1u << history_bits;
  internal::ContextPlanes planes = reference.history.Planes(history_bits);
  absl::Span<const uint8_t> bits = payload.subspan(1);
  uint32_t context_count = contexts;
  if (grouped) {
    if (payload.size() < 2) {
      return MakeError(ErrorCode::kTruncated,
                       "the `grouped_flips` section has no `group_count`");
    }
    const uint32_t group_count = payload[1];
    if (group_count < 1 || group_count > contexts) {
      return MakeError(
          ErrorCode::kInvalidField,
          absl::StrCat("`grouped_flips` field `group_count` is ", group_count,
                       "; it must be 1..", contexts, " (2^history_bits)"));
    }
    if (payload.size() < 2 + contexts) {
      return MakeError(
          ErrorCode::kTruncated,
          absl::StrCat("the `grouped_flips` section ends in its "
                       "`context_group` table: ",
                       payload.size() - 2, " of ", contexts, " bytes"));
    }
    const uint8_t* const group_of = payload.data() + 2;
    for (uint32_t c = 0; c < contexts; ++c) {
      if (group_of[c] >= group_count) {
        return MakeError(
            ErrorCode::kInvalidField,
            absl::StrCat("`grouped_flips` field `context_group` of context ", c,
                         " is ", group_of[c], "; it must be below group_count ",
                         group_count));
      }
    }
    planes.group_of = group_of;
    bits = payload.subspan(2 + contexts);
    context_count = group_count;
  }
  // No zeroing: a successful decode writes every word.
  decoded.flips.resize(BitWords(n));
  return internal::DecodeContextBitsByPlanes(
      bits, planes, context_count, absl::MakeSpan(decoded.flips), on_merged);
}

// An `adaptive_flips` payload (spec section 11.7.1) against `reference`:
// its flips into decoded.flips and the models they leave into
// decoded.flip_models, the reference untouched.
absl::Status DecodeAdaptiveFlips(absl::Span<const uint8_t> payload,
                                 const internal::SignReference& reference,
                                 uint64_t n, std::vector<uint8_t>* contexts,
                                 DecodedPacket& decoded) {
  static constexpr const char* kFields[] = {"history_bits", "models",
                                            "fast_rate", "slow_rate"};
  if (payload.size() < 4) {
    return MakeError(ErrorCode::kTruncated,
                     absl::StrCat("the `adaptive_flips` section ends before "
                                  "its field `", kFields[payload.size()], "`"));
  }
  const uint8_t history_bits = payload[0], models = payload[1],
                fast_rate = payload[2], slow_rate = payload[3];
  if (history_bits > internal::kMaxAdaptiveFlipHistory) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("`adaptive_flips` field `history_bits` is ",
                                  history_bits, "; it must be 0..",
                                  internal::kMaxAdaptiveFlipHistory));
  }
  if (models != internal::kFreshModels && models != internal::kCarriedModels) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("`adaptive_flips` field `models` is ", models,
                                  "; it must be 0 (fresh) or 1 (carried)"));
  }
  for (auto [field, rate] : {std::pair{"fast_rate", fast_rate},
                             {"slow_rate", slow_rate}}) {
    if (rate < internal::kMinAdaptiveRate || rate > internal::kMaxAdaptiveRate) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("`adaptive_flips` field `", field, "` is ",
                                    rate, "; it must be 1..20"));
    }
  }
  const internal::MixedModels& held = reference.flip_models;
  if (models == internal::kCarriedModels) {
    if (held.empty()) {
      return MakeError(
          ErrorCode::kInvalidField,
          "`adaptive_flips` field `models` is 1 (carried), but the stream "
          "holds no flip models: its previous packet was a key packet or "
          "held a `flips` section");
    }
    if (!held.Carries(fast_rate, slow_rate, history_bits)) {
      return MakeError(
          ErrorCode::kInvalidField,
          absl::StrCat("`adaptive_flips` carries models taught with "
                       "history_bits ", held.history_bits, ", fast_rate ",
                       held.fast_rate, " and slow_rate ", held.slow_rate,
                       "; the packet says ", history_bits, ", ", fast_rate,
                       " and ", slow_rate));
    }
    decoded.flip_models = held;
  } else {
    decoded.flip_models.Reset(fast_rate, slow_rate, history_bits);
  }
  contexts->resize(n);
  internal::ContextsFromPlanes(reference.history.Planes(history_bits),
                               contexts->data());
  // No zeroing: the decoder writes every word.
  decoded.flips.resize(BitWords(n));
  return internal::DecodeMixedContextBits(
      payload.subspan(4), *contexts, n, decoded.flip_models,
      absl::MakeSpan(decoded.flips));
}

absl::Status DecodeSigns(absl::Span<const uint8_t> payload, uint64_t count,
                         std::vector<uint64_t>* bits) {
  // No zeroing: a successful decode writes every word (DecodeContextBits).
  bits->resize(BitWords(count));
  return internal::DecodeContextBits(payload, {}, 1, count,
                                     absl::MakeSpan(*bits));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> Decoder::Create(
    const DecoderOptions& options) {
  auto state = std::make_unique<State>();
  state->options = options;
  return std::unique_ptr<Decoder>(new Decoder(std::move(state)));
}

Decoder::Decoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
Decoder::~Decoder() = default;

const Layout* Decoder::layout() const {
  return state_->setup.has_value() ? &state_->setup->layout : nullptr;
}
uint64_t Decoder::expected_sequence() const {
  return state_->expected_sequence;
}

absl::Status Decoder::State::DecodePacket(const internal::ParsedPacket& parsed,
                                          uint64_t out_size,
                                          DecodedPacket* decoded, float* out) {
  State& st = *this;
  const PacketHeader& h = parsed.header;
  const bool key = h.packet_kind == PacketKind::kKey;
  // Section 5.3: a delta against the state held.
  if (!key) {
    if (!st.setup.has_value()) {
      return MakeError(ErrorCode::kReferenceMismatch,
                       absl::StrCat("delta packet ", h.sequence,
                                    " reached a decoder that holds no key "
                                    "packet"));
    }
    if (h.sequence != st.expected_sequence) {
      return MakeError(ErrorCode::kSequenceMismatch,
                       absl::StrCat("field `sequence` is ", h.sequence,
                                    "; the decoder expects ",
                                    st.expected_sequence));
    }
    if (h.layout_fingerprint != st.setup->layout_fingerprint) {
      return MakeError(ErrorCode::kReferenceMismatch,
                       absl::StrCat("field `layout_fingerprint` is ",
                                    absl::Hex(h.layout_fingerprint),
                                    "; the decoder holds layout ",
                                    absl::Hex(st.setup->layout_fingerprint)));
    }
    const uint64_t held_reference =
        st.setup->method == Method::kSignXor ? st.reference.fingerprint
        : st.shifted != nullptr              ? st.shifted->fingerprint()
                                             : 0;
    if (h.reference_fingerprint != held_reference) {
      return MakeError(ErrorCode::kReferenceMismatch,
                       absl::StrCat("field `reference_fingerprint` is ",
                                    absl::Hex(h.reference_fingerprint),
                                    "; the decoder holds reference ",
                                    absl::Hex(held_reference)));
    }
    if (h.coordinate_count != st.setup->count) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("field `coordinate_count` is ",
                                    h.coordinate_count, "; the layout has ",
                                    st.setup->count));
    }
  }
  // Section 11.1: the method.
  if (!IsImplemented(h.method_id)) {
    return MakeError(ErrorCode::kUnsupportedMethod,
                     absl::StrCat("field `method_id` is ", h.method_id,
                                  "; this decoder implements 1..11"));
  }
  const auto method = static_cast<Method>(h.method_id);
  if (!key && method != st.setup->method) {
    return MakeError(ErrorCode::kReferenceMismatch,
                     absl::StrCat("field `method_id` is ", h.method_id,
                                  "; the stream's key packet has ",
                                  static_cast<int>(st.setup->method)));
  }
  const StreamSetup* packet_setup = nullptr;
  if (key) {
    StreamSetup fresh;
    fresh.layout = *parsed.layout;
    fresh.layout_fingerprint = h.layout_fingerprint;
    fresh.count = h.coordinate_count;
    fresh.method = method;
    fresh.block_starts = internal::MethodBlockStarts(fresh.layout, method);
    decoded->new_setup = std::move(fresh);
    packet_setup = &*decoded->new_setup;
  } else {
    packet_setup = &*st.setup;
  }
  const uint64_t n = packet_setup->count;
  if (out_size != n) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("the output holds ", out_size,
                                  " floats; the packet has ", n,
                                  " coordinates"));
  }
  if (IsShiftedMethod(method)) {
    // Section 11.10: the shifted methods' sections, payloads and shift.
    decoded->shifted = true;
    if (key) {
      absl::StatusOr<std::unique_ptr<internal::ShiftedDecoder>> fresh =
          internal::ShiftedDecoder::FromKeyPacket(parsed, method, n,
                                                  packet_setup->block_starts);
      if (!fresh.ok()) return fresh.status();
      decoded->new_shifted = *std::move(fresh);
    }
    internal::ShiftedDecoder& receiver =
        key ? *decoded->new_shifted : *st.shifted;
    decoded->shifted_out.resize(n);
    return receiver.Decode(parsed, absl::MakeSpan(decoded->shifted_out));
  }

  // Section 11.2: which method sections the packet must and may hold.
  const size_t blocks =
      packet_setup->block_starts.empty() ? 0
                                         : packet_setup->block_starts.size() - 1;
  const bool wants_scales = method != Method::kSign && blocks != 0;
  const bool wants_flips = method == Method::kSignXor && !key;
  const internal::SectionView* scales = nullptr;
  const internal::SectionView* bits = nullptr;
  for (const internal::SectionView& section : parsed.sections) {
    if (section.type < internal::kFirstMethodSectionType ||
        section.type > internal::kLastMethodSectionType) {
      continue;
    }
    if (section.type == internal::kBlockScalesSection && wants_scales) {
      scales = &section;
    } else if (section.type == internal::kSignsSection && !wants_flips) {
      bits = &section;
    } else if ((section.type == internal::kFlipsSection ||
                section.type == internal::kAdaptiveFlipsSection ||
                section.type == internal::kGroupedFlipsSection) &&
               wants_flips) {
      if (bits != nullptr) {
        return SectionPresenceError(absl::StrCat(
            "a signxor delta packet holds two flips sections (types ",
            absl::Hex(bits->type, absl::kZeroPad2), " and ",
            absl::Hex(section.type, absl::kZeroPad2),
            "); it must hold one of `flips` (0x04), `adaptive_flips` (0x05) "
            "and `grouped_flips` (0x06)"));
      }
      bits = &section;
    } else {
      return SectionPresenceError(absl::StrCat(
          "method ", h.method_id, " ", key ? "key" : "delta",
          " packets do not hold method section type ",
          absl::Hex(section.type, absl::kZeroPad2)));
    }
  }
  if (wants_scales && scales == nullptr) {
    return SectionPresenceError(absl::StrCat(
        "method ", h.method_id, " packets with blocks need a `block_scales` "
        "section (type 0x02)"));
  }
  if (bits == nullptr) {
    return SectionPresenceError(
        wants_flips ? "a signxor delta packet needs a `flips` (0x04), "
                      "`adaptive_flips` (0x05) or `grouped_flips` (0x06) "
                      "section"
                    : "the packet needs a `signs` section (0x03)");
  }

  decoded->scales.assign(blocks, 0.0f);
  if (wants_scales) {
    st.codes.resize(blocks);
    if (absl::Status s =
            internal::DecodeScaleCodes(scales->payload, absl::MakeSpan(st.codes));
        !s.ok()) {
      return s;
    }
    for (size_t b = 0; b < blocks; ++b) {
      decoded->scales[b] = internal::DequantizeScale(st.codes[b]);
    }
  }

  decoded->bits_payload = bits->payload;
  decoded->bits_section = bits->type;
  if (!wants_flips) {
    return DecodeSigns(bits->payload, n, &decoded->signs);
  }
  // The signs of each block of flip words as it is decoded, and with `out`
  // their output.
  decoded->signs.resize(BitWords(n));
  std::optional<internal::PiecewiseReconstruction> output;
  if (out != nullptr) {
    output.emplace(n, packet_setup->block_starts, decoded->scales, out);
  }
  const auto on_merged = [&](uint64_t first, uint64_t end) {
    for (uint64_t w = first; w < end; ++w) {
      decoded->signs[w] = st.reference.signs[w] ^ decoded->flips[w];
    }
    if (output.has_value()) {
      output->Write(decoded->signs.data(), 64 * first, 64 * end);
    }
  };
  absl::Status flips;
  switch (bits->type) {
    case internal::kAdaptiveFlipsSection:
      flips = DecodeAdaptiveFlips(bits->payload, st.reference, n, &st.contexts,
                                  *decoded);
      if (flips.ok()) on_merged(0, BitWords(n));
      break;
    case internal::kGroupedFlipsSection:
      flips = DecodeFlips(bits->payload, true, st.reference, n, *decoded,
                          on_merged);
      break;
    default:
      flips = DecodeFlips(bits->payload, false, st.reference, n, *decoded,
                          on_merged);
      break;
  }
  if (!flips.ok()) return flips;
  decoded->output_written = output.has_value();
  return absl::OkStatus();
}

void Decoder::State::Commit(const internal::ParsedPacket& parsed,
                            DecodedPacket& decoded) {
  State& st = *this;
  if (decoded.shifted) {
    if (decoded.new_shifted != nullptr) st.shifted = std::move(decoded.new_shifted);
    st.shifted->Commit();
  } else if (decoded.new_setup.has_value()) {
    st.shifted.reset();
  }
  if (decoded.new_setup.has_value()) {
    st.setup = std::move(decoded.new_setup);
    if (st.setup->method == Method::kSignXor) {
      st.reference.ApplyKey(decoded.signs.data(), st.setup->count,
                            decoded.bits_payload);
    } else {
      st.reference = internal::SignReference{};
    }
  } else if (st.setup->method == Method::kSignXor) {
    st.reference.ApplyDelta(decoded.signs, decoded.flips,
                            decoded.bits_section, decoded.bits_payload,
                            decoded.flip_models);
  }
  st.expected_sequence = parsed.header.sequence + 1;
}

absl::Status Decoder::Decode(absl::Span<const uint8_t> packet,
                             absl::Span<float> out) {
  absl::StatusOr<internal::ParsedPacket> parsed = internal::ParsePacket(packet);
  if (!parsed.ok()) return parsed.status();
  DecodedPacket decoded;
  state_->Lend(decoded);
  if (absl::Status s =
          state_->DecodePacket(*parsed, out.size(), &decoded, out.data());
      !s.ok()) {
    state_->TakeBack(decoded);
    return s;
  }
  // Output, unless written already, then commit (neither can fail; the
  // commit takes the signs).
  const StreamSetup& setup =
      decoded.new_setup.has_value() ? *decoded.new_setup : *state_->setup;
  if (decoded.shifted) {
    std::copy(decoded.shifted_out.begin(), decoded.shifted_out.end(),
              out.begin());
  } else if (!decoded.output_written) {
    internal::ReconstructSigns(decoded.signs.data(), setup.count,
                               setup.block_starts, decoded.scales, out.data());
  }
  state_->Commit(*parsed, decoded);
  state_->TakeBack(decoded);
  return absl::OkStatus();
}

absl::Status Decoder::DecodeAndAdd(absl::Span<const uint8_t> packet,
                                   float weight, absl::Span<float> sum) {
  absl::StatusOr<internal::ParsedPacket> parsed = internal::ParsePacket(packet);
  if (!parsed.ok()) return parsed.status();
  DecodedPacket decoded;
  state_->Lend(decoded);
  if (absl::Status s = state_->DecodePacket(*parsed, sum.size(), &decoded);
      !s.ok()) {
    state_->TakeBack(decoded);
    return s;
  }
  const StreamSetup& setup =
      decoded.new_setup.has_value() ? *decoded.new_setup : *state_->setup;
  if (decoded.shifted) {
    for (uint64_t i = 0; i < setup.count; ++i) {
      sum[i] += weight * decoded.shifted_out[i];
    }
  } else {
    internal::AddWeightedSigns(decoded.signs.data(), setup.count,
                               setup.block_starts, decoded.scales, weight,
                               sum.data());
  }
  state_->Commit(*parsed, decoded);
  state_->TakeBack(decoded);
  return absl::OkStatus();
}

}  // namespace gradcodec

namespace gradcodec {

std::vector<uint8_t> Decoder::SaveState() const {
  const State& st = *state_;
  std::vector<uint8_t> blob;
  internal::BeginStateBlob(internal::kDecoderStateKind, &blob);
  internal::ByteWriter writer(&blob);
  writer.WriteU8(st.setup.has_value() ? 1 : 0);
  if (st.setup.has_value()) {
    std::vector<uint8_t> layout;
    internal::SerializeLayout(st.setup->layout, &layout);
    writer.WriteLengthPrefixed(layout);
    writer.WriteU8(static_cast<uint8_t>(st.setup->method));
    writer.WriteU64(st.expected_sequence);
    if (st.setup->method == Method::kSignXor) {
      internal::WriteSignReference(st.reference, writer);
    }
    if (st.shifted != nullptr) st.shifted->Save(writer);
  }
  internal::FinishStateBlob(&blob);
  return blob;
}

absl::Status Decoder::RestoreState(absl::Span<const uint8_t> blob) {
  absl::Span<const uint8_t> body;
  if (absl::Status s =
          internal::OpenStateBlob(blob, internal::kDecoderStateKind, &body);
      !s.ok()) {
    return s;
  }
  internal::ByteReader reader(body);
  uint8_t has_setup = 0;
  if (absl::Status s = reader.ReadU8("has_setup", &has_setup); !s.ok()) {
    return s;
  }
  if (has_setup > 1) {
    return MakeError(ErrorCode::kInvalidField,
                     "saved decoder field `has_setup` is not 0 or 1");
  }
  std::optional<StreamSetup> setup;
  uint64_t expected_sequence = 0;
  internal::SignReference reference;
  std::unique_ptr<internal::ShiftedDecoder> shifted;
  if (has_setup == 1) {
    absl::Span<const uint8_t> layout_payload;
    if (absl::Status s = reader.ReadLengthPrefixed(
            "layout", reader.remaining(), &layout_payload);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<Layout> layout = internal::ParseLayout(layout_payload, 0);
    if (!layout.ok()) return layout.status();
    uint8_t method = 0;
    for (absl::Status s : {reader.ReadU8("method", &method),
                           reader.ReadU64("expected_sequence",
                                          &expected_sequence)}) {
      if (!s.ok()) return s;
    }
    if (!IsImplemented(method)) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("saved decoder field `method` is ", method,
                                    "; it must be 1..11"));
    }
    StreamSetup fresh;
    fresh.layout = *std::move(layout);
    fresh.layout_fingerprint = internal::LayoutFingerprint(layout_payload);
    fresh.count = fresh.layout.coordinate_count();
    fresh.method = static_cast<Method>(method);
    fresh.block_starts = internal::MethodBlockStarts(fresh.layout, fresh.method);
    if (fresh.method == Method::kSignXor) {
      if (absl::Status s =
              internal::ReadSignReference(reader, fresh.count, &reference);
          !s.ok()) {
        return s;
      }
    }
    if (IsShiftedMethod(fresh.method)) {
      absl::StatusOr<std::unique_ptr<internal::ShiftedDecoder>> restored =
          internal::ShiftedDecoder::Restore(reader, fresh.method, fresh.count,
                                            fresh.block_starts);
      if (!restored.ok()) return restored.status();
      shifted = *std::move(restored);
    }
    setup = std::move(fresh);
  }
  if (absl::Status s = reader.ExpectEnd("the saved decoder state"); !s.ok()) {
    return s;
  }
  State& st = *state_;
  st.setup = std::move(setup);
  st.expected_sequence = expected_sequence;
  st.reference = std::move(reference);
  st.shifted = std::move(shifted);
  return absl::OkStatus();
}

}  // namespace gradcodec
