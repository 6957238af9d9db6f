#include "gradcodec/encoder.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "codec/cache_aligned_vector.h"
#include "codec/encode_pass.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/method_sections.h"
#include "codec/shifted/compressor.h"
#include "codec/shifted/shifted_encoder.h"
#include "codec/shifted/shifted_stream.h"
#include "codec/sign/blocks.h"
#include "codec/sign/scale_quantizer.h"
#include "codec/sign/sign_quantizer.h"
#include "codec/signxor/flip_groups.h"
#include "codec/signxor/rate_distortion.h"
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

struct Encoder::State {
  EncoderOptions options;
  uint64_t count = 0;
  std::vector<uint64_t> block_starts;
  std::vector<uint8_t> layout_payload;
  uint64_t layout_fingerprint = 0;

  std::vector<float> momentum;  // m, when momentum > 0
  // e, when error feedback is on (and next_error): on cache lines for the
  // encode pass's streaming stores.
  internal::CacheAlignedVector<float> error;
  internal::SignReference reference;  // signxor
  bool has_reference = false;         // a key packet has been sent
  internal::FlipRateModel rate_model;  // signxor
  double lambda = 0;

  uint64_t sequence = 0;  // of the next packet
  uint64_t since_key = 0;
  bool key_requested = true;  // a stream starts with a key packet
  EncodeStats stats;

  std::vector<float> previous_scales;  // signxor: of the last packet

  // The header of the stream's next packet, less the method's own fields.
  PacketHeader NextHeader(bool key) const {
    PacketHeader header;
    // The lowest minor version whose features the packet uses (spec 8.2).
    header.version_minor = IsShiftedMethod(options.method)
                               ? kShiftedMethodsVersionMinor
                               : kFormatVersionMinor;
    header.packet_kind = key ? PacketKind::kKey : PacketKind::kDelta;
    header.method_id = static_cast<uint8_t>(options.method);
    header.stream_id = options.stream_id;
    header.sequence = sequence;
    header.layout_fingerprint = layout_fingerprint;
    header.coordinate_count = count;
    return header;
  }

  // The last packet's Delta (last_reconstruction): its signs (signxor keeps
  // them as the reference signs instead) and scales, swapped in from the
  // scratch once the packet is made. Method sign's one block of scale 1 is
  // spelt out in sign_block_starts and sent_scales.
  bool has_sent = false;
  std::vector<uint64_t> sent_signs;
  std::vector<float> sent_scales;
  std::vector<uint64_t> sign_block_starts;

  // The shifted methods (codec/shifted/): their own packets and state;
  // `error` stays empty (error feedback lives in the shift rule).
  std::unique_ptr<internal::ShiftedEncoder> shifted;
  std::vector<float> shifted_input;  // v, when momentum is on

  // Scratch, kept between calls. The new error memory is written to
  // next_error and swapped in once nothing can fail.
  internal::CacheAlignedVector<float> next_error;
  std::vector<uint64_t> signs, flips;
  std::vector<uint8_t> contexts;
  // Whether `contexts` holds the last committed delta's contexts: the next
  // delta's are then those moved one flip on, cheaper than building them
  // from the history planes again. (Every delta of an encoder uses the
  // same history length: the options and the coder are fixed at Create.)
  bool contexts_advance = false;
  std::vector<float> scales;
  std::vector<uint32_t> codes;
  std::vector<uint8_t> scales_payload, bits_payload;
  internal::MixedModels next_flip_models;
};

namespace {

constexpr double kMaxTargetLambda = 2.0;

// signxor deltas of the fast coder with at least this many coordinates
// group their flip contexts (`grouped_flips`): below it the group table
// (66 bytes) costs more than the time it saves is worth.
constexpr uint64_t kGroupedFlipsMinCoordinates = uint64_t{1} << 16;

// The rates of the `adaptive_flips` models: a fast estimate averaging over
// about 2^4 flips of its context and a slow one over about 2^8. Measured on
// the training check's flips (8-flip contexts, 3 seeds): 4.2% fewer bits
// than one rate of 12 with models fresh in every packet; single rates of 5
// to 8 carried, or the pair (4, 10) fresh, gave 1 to 2.5% less.
constexpr uint8_t kFlipFastRate = 4;
constexpr uint8_t kFlipSlowRate = 8;

absl::Status OptionError(absl::string_view option, absl::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   absl::StrCat("encoder option `", option, "` ", why));
}

absl::Status CheckOptions(const EncoderOptions& o) {
  if (absl::Status s = ValidateLayout(o.layout); !s.ok()) return s;
  switch (o.method) {
    case Method::kSign:
    case Method::kScaledSign:
    case Method::kBlockSign:
    case Method::kSignXor:
      break;
    default:
      if (IsShiftedMethod(o.method)) break;
      return OptionError("method",
                         absl::StrCat("is ", static_cast<int>(o.method),
                                      "; it must be 1..11"));
  }
  if (!(o.momentum >= 0 && o.momentum < 1)) {
    return OptionError("momentum",
                       absl::StrCat("is ", o.momentum, "; it must be in [0, 1)"));
  }
  if (o.sign_coder != SignCoder::kAuto && o.sign_coder != SignCoder::kFast &&
      o.sign_coder != SignCoder::kAdaptive) {
    return OptionError("sign_coder", "must be kAuto, kFast or kAdaptive");
  }
  if (o.flip_history > internal::kMaxAdaptiveFlipHistory) {
    return OptionError("flip_history",
                       absl::StrCat("is ", o.flip_history, "; it must be 0..",
                                    internal::kMaxAdaptiveFlipHistory));
  }
  if (!(o.rd_lambda >= 0 && std::isfinite(o.rd_lambda))) {
    return OptionError("rd_lambda", absl::StrCat("is ", o.rd_lambda,
                                                 "; it must be finite and >= 0"));
  }
  if (!(o.target_bits_per_coordinate >= 0 &&
        std::isfinite(o.target_bits_per_coordinate))) {
    return OptionError("target_bits_per_coordinate",
                       absl::StrCat("is ", o.target_bits_per_coordinate,
                                    "; it must be finite and >= 0"));
  }
  return absl::OkStatus();
}

// m = mu m + g (after a successful pass, which read the old m).
void UpdateMomentum(const float* __restrict g, float mu, uint64_t n,
                    float* __restrict m) {
  for (uint64_t i = 0; i < n; ++i) m[i] = mu * m[i] + g[i];
}

// Names the first coordinate that is not finite: in the input, or in
// p = v + e where adding momentum and error overflowed.
absl::Status NonFiniteError(const Layout& layout,
                            const internal::EncodePassInput& in) {
  for (uint64_t i = 0; i < in.update.size(); ++i) {
    if (std::isfinite(internal::FormOneP(in, i))) continue;
    const internal::CoordinateName name = internal::NameCoordinate(layout, i);
    const bool input = !std::isfinite(in.update[i]);
    return MakeError(
        ErrorCode::kNonFiniteInput,
        absl::StrCat("tensor '", name.tensor->name, "' element ", name.index,
                     input ? absl::StrCat(" is ", in.update[i])
                           : std::string(" overflows once momentum and error "
                                         "feedback are added"),
                     "; the encoder's state is unchanged"));
  }
  return MakeError(ErrorCode::kInternal, "no element is out of range");
}

// With `group_of` (the fast coder only), the contexts go in those groups,
// context_count of them (spec section 11.7.2).
void EncodeBits(absl::Span<const uint64_t> bits, uint64_t count,
                absl::Span<const uint8_t> contexts, uint32_t context_count,
                SignCoder coder, std::vector<uint8_t>* out,
                const uint8_t* group_of = nullptr) {
  internal::ContextBitOptions options;
  options.coder = coder == SignCoder::kAdaptive ? internal::BitCoder::kAdaptive
                                                : internal::BitCoder::kFast;
  options.group_of = group_of;
  internal::EncodeContextBits(bits, count, contexts, context_count, options,
                              out);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Encoder>> Encoder::Create(
    const EncoderOptions& options) {
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  auto state = std::make_unique<State>();
  state->options = options;
  state->count = options.layout.coordinate_count();
  state->block_starts =
      internal::MethodBlockStarts(options.layout, options.method);
  state->sign_block_starts = {0, state->count};
  internal::SerializeLayout(options.layout, &state->layout_payload);
  state->layout_fingerprint =
      internal::LayoutFingerprint(state->layout_payload);
  if (options.momentum > 0) state->momentum.assign(state->count, 0.0f);
  if (IsShiftedMethod(options.method)) {
    absl::StatusOr<internal::ShiftedSetup> setup =
        internal::ResolveShiftedSetup(options.method, options.shifted,
                                      state->count, state->block_starts);
    if (!setup.ok()) return setup.status();
    state->shifted = std::make_unique<internal::ShiftedEncoder>(
        *std::move(setup), state->count);
  } else if (options.error_feedback) {
    state->error.assign(state->count, 0.0f);
  }
  state->lambda = options.rd_lambda;
  if (options.sign_coder == SignCoder::kAuto) {
    state->options.sign_coder =
        state->count <= kAutoAdaptiveCoordinates ? SignCoder::kAdaptive
                                                  : SignCoder::kFast;
  }
  return std::unique_ptr<Encoder>(new Encoder(std::move(state)));
}

Encoder::Encoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
Encoder::~Encoder() = default;

void Encoder::RequestKey() { state_->key_requested = true; }

absl::Status Encoder::RescaleError(float ratio) {
  if (!(ratio >= 0 && std::isfinite(ratio))) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("the error rescale ratio is ", ratio,
                                  "; it must be finite and >= 0"));
  }
  for (float& e : state_->error) e *= ratio;
  if (state_->shifted != nullptr) state_->shifted->RescaleError(ratio);
  return absl::OkStatus();
}

absl::Span<const float> Encoder::error() const {
  if (state_->shifted != nullptr) return state_->shifted->error();
  return state_->error;
}

uint64_t Encoder::MaxPacketSize() const {
  const State& st = *state_;
  if (st.shifted != nullptr) {
    return st.shifted->MaxPacketSize(st.layout_payload.size());
  }
  const uint64_t blocks =
      st.block_starts.empty() ? 0 : st.block_starts.size() - 1;
  // Header, four section table entries and the checksum; the layout; the
  // scales stored (3 varint bytes per block at most); the bits: the fast
  // coder falls back to stored bits when it would not shrink them (after
  // a grouped_flips section's group count and table, 1 + 64 bytes at
  // most), the adaptive coder spends at most 16 bits per bit
  // (probabilities are at least 1/65536).
  const uint64_t bits = st.options.sign_coder == SignCoder::kAdaptive
                            ? 2 * st.count + 16
                            : st.count / 8 + 16 + 1 + internal::kFlipContexts;
  return 100 + st.layout_payload.size() + 16 + 3 * blocks + bits + 16;
}
const EncodeStats& Encoder::last_stats() const { return state_->stats; }

SignedScales Encoder::last_reconstruction() const {
  const State& st = *state_;
  if (!st.has_sent) return {};
  const bool signxor = st.options.method == Method::kSignXor;
  const bool sign = st.options.method == Method::kSign;
  return {signxor ? st.reference.signs : st.sent_signs,
          sign ? st.sign_block_starts : st.block_starts, st.sent_scales};
}

const EncoderOptions& Encoder::options() const { return state_->options; }

absl::Status Encoder::Encode(absl::Span<const float> update,
                             std::vector<uint8_t>* packet,
                             absl::Span<float> reconstruction) {
  State& st = *state_;
  const EncoderOptions& o = st.options;
  const uint64_t n = st.count;
  if (update.size() != n) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("the update holds ", update.size(),
                                  " floats; the layout has ", n,
                                  " coordinates"));
  }
  if (!reconstruction.empty() && reconstruction.size() != n) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("the reconstruction buffer holds ",
                                  reconstruction.size(), " floats; the layout has ",
                                  n, " coordinates"));
  }
  // Everything that can fail is checked before any state changes: the
  // pass writes only scratch, and stops at the first p = v + e (v the input
  // or its Nesterov-momentum form) that is not finite (the input's, or an
  // overflow of the sum). (It moves the contexts on in place, which is
  // scratch too: contexts_advance is cleared first, so a failed call has
  // the next one rebuild them.)
  const bool key = st.key_requested ||
                   (o.key_interval != 0 && st.since_key >= o.key_interval);
  if (st.shifted != nullptr) {
    // The shifted methods: momentum here, the rest in ShiftedEncoder.
    absl::Span<const float> v = update;
    if (o.momentum > 0) {
      st.shifted_input.resize(n);
      const float mu = o.momentum;
      for (uint64_t i = 0; i < n; ++i) {
        st.shifted_input[i] = mu * (mu * st.momentum[i] + update[i]) + update[i];
      }
      v = st.shifted_input;
    }
    if (absl::Status s = st.shifted->Encode(st.NextHeader(key),
                                            st.layout_payload, v, packet,
                                            reconstruction);
        !s.ok()) {
      return s;
    }
    if (o.momentum > 0) {
      UpdateMomentum(update.data(), o.momentum, n, st.momentum.data());
    }
    st.stats = EncodeStats{};
    st.stats.key = key;
    st.stats.packet_bytes = packet->size();
    st.key_requested = false;
    st.since_key = key ? 1 : st.since_key + 1;
    ++st.sequence;
    return absl::OkStatus();
  }
  const bool signxor = o.method == Method::kSignXor;
  const bool delta = signxor && !key;
  // The flips' section: `adaptive_flips` with the adaptive coder.
  const bool adaptive_flips = delta && o.sign_coder == SignCoder::kAdaptive;
  const uint64_t words = BitWords(n);
  const size_t blocks =
      st.block_starts.empty() ? 0 : st.block_starts.size() - 1;
  const uint32_t history_bits = std::min(
      o.flip_history, adaptive_flips ? internal::kMaxAdaptiveFlipHistory
                                     : internal::kMaxFlipHistory);

  internal::EncodePassInput in;
  in.update = update;
  in.mu = o.momentum;
  if (in.mu > 0) in.momentum = st.momentum.data();
  if (!st.error.empty()) in.error = st.error.data();
  in.block_starts = st.block_starts;
  const uint8_t* contexts = nullptr;
  std::optional<internal::RateDistortionRule> rule;
  if (delta) {
    st.contexts.resize(n);
    if (st.contexts_advance) {
      in.advance_contexts = &st.reference.history;  // the pass moves them on
      in.history_bits = history_bits;
    } else {
      st.reference.history.Contexts(history_bits, st.contexts.data());
    }
    contexts = st.contexts.data();
    rule.emplace(st.lambda, st.rate_model);
    in.reference = st.reference.signs.data();
    in.contexts = st.contexts.data();
    in.rule = &*rule;
    // The scale the rule weighs distortion with: the block's previous
    // scale, which the current error memory has not inflated (a current
    // estimate grows with the error of the coordinates kept, which then
    // raises every threshold: a runaway that stalls training).
    in.previous_scales = st.previous_scales;
  }
  // Set again once a delta is committed: a failed call leaves `contexts`
  // a step ahead of the history, and a key clears the history.
  st.contexts_advance = false;
  st.signs.resize(words);
  st.flips.resize(delta ? words : 0);
  st.codes.resize(blocks);
  st.scales.resize(blocks);
  st.next_error.resize(st.error.size());
  internal::EncodePassOutput out;
  out.signs = st.signs.data();
  out.flips = st.flips.data();
  out.codes = st.codes.data();
  out.scales = st.scales.data();
  if (!st.error.empty()) out.error = st.next_error.data();
  if (!internal::RunEncodePass(in, out)) return NonFiniteError(o.layout, in);
  const uint64_t kept = out.kept;
  const uint64_t flip_count = out.flip_count;

  // Sections.
  std::vector<internal::SectionData> sections;
  if (key) sections.push_back({internal::kSectionLayout, st.layout_payload});
  st.scales_payload.clear();
  if (blocks != 0 && o.method != Method::kSign) {
    internal::EncodeScaleCodes(st.codes, &st.scales_payload);
    sections.push_back({internal::kBlockScalesSection, st.scales_payload});
  }
  st.bits_payload.clear();
  uint8_t bits_section = internal::kSignsSection;
  if (adaptive_flips) {
    // The models carry on from the previous packet's when it left some
    // for these contexts and rates.
    const internal::MixedModels& models = st.reference.flip_models;
    const bool carried = models.Carries(kFlipFastRate, kFlipSlowRate,
                                        static_cast<uint8_t>(history_bits));
    if (carried) {
      st.next_flip_models = models;
    } else {
      st.next_flip_models.Reset(kFlipFastRate, kFlipSlowRate,
                                static_cast<uint8_t>(history_bits));
    }
    st.bits_payload = {static_cast<uint8_t>(history_bits),
                       carried ? internal::kCarriedModels
                               : internal::kFreshModels,
                       kFlipFastRate, kFlipSlowRate};
    internal::EncodeMixedContextBits(st.flips, n,
                                     absl::MakeConstSpan(contexts, n),
                                     st.next_flip_models, &st.bits_payload);
    bits_section = internal::kAdaptiveFlipsSection;
  } else if (delta && n >= kGroupedFlipsMinCoordinates && history_bits > 0) {
    // Contexts of like flip rates as one sequence each: the split into
    // sequences, a third of the encoder's time with 64 of them, takes
    // under a third as long (perf, codec_bench Encode/4).
    const internal::FlipGroups groups = internal::ChooseFlipGroups(
        out.sample_flips, out.sample_totals, 1u << history_bits,
        internal::kMaxFlipGroups);
    st.bits_payload = {static_cast<uint8_t>(history_bits),
                       static_cast<uint8_t>(groups.group_count)};
    st.bits_payload.insert(st.bits_payload.end(), groups.group_of.begin(),
                           groups.group_of.begin() + (1u << history_bits));
    EncodeBits(st.flips, n, absl::MakeConstSpan(contexts, n),
               groups.group_count, o.sign_coder, &st.bits_payload,
               groups.group_of.data());
    bits_section = internal::kGroupedFlipsSection;
  } else if (delta) {
    st.bits_payload.push_back(static_cast<uint8_t>(history_bits));
    EncodeBits(st.flips, n, absl::MakeConstSpan(contexts, n),
               1u << history_bits, o.sign_coder, &st.bits_payload);
    bits_section = internal::kFlipsSection;
  } else {
    EncodeBits(st.signs, n, {}, 1, o.sign_coder, &st.bits_payload);
  }
  sections.push_back({bits_section, st.bits_payload});

  PacketHeader header = st.NextHeader(key);
  if (adaptive_flips) header.version_minor = kAdaptiveFlipsVersionMinor;
  if (bits_section == internal::kGroupedFlipsSection) {
    header.version_minor = kGroupedFlipsVersionMinor;
  }
  header.reference_fingerprint =
      key || !signxor ? 0 : st.reference.fingerprint;
  internal::SerializePacket(header, sections, packet);

  // Commit: error memory, momentum, reference state, counters; and Delta
  // when asked for.
  st.error.swap(st.next_error);
  if (in.mu > 0) UpdateMomentum(update.data(), in.mu, n, st.momentum.data());
  if (!reconstruction.empty()) {
    internal::ReconstructSigns(st.signs.data(), n, st.block_starts, st.scales,
                               reconstruction.data());
  }
  if (signxor) {
    st.previous_scales = st.scales;
    if (key) {
      st.reference.ApplyKey(st.signs.data(), n, st.bits_payload);
      st.has_reference = true;
      st.rate_model.Reset();
    } else {
      st.rate_model.ObserveCounts(out.sample_flips, out.sample_totals);
      st.contexts_advance = true;
      // st.signs is scratch from here on: it receives the old reference.
      st.reference.ApplyDelta(st.signs, st.flips, bits_section,
                              absl::MakeConstSpan(st.bits_payload),
                              st.next_flip_models);
    }
  }
  if (o.method == Method::kSign) {
    st.sent_scales.assign(1, 1.0f);
  } else {
    st.sent_scales.swap(st.scales);
  }
  if (!signxor) st.sent_signs.swap(st.signs);
  st.has_sent = true;
  st.stats = EncodeStats{};
  st.stats.key = key;
  st.stats.packet_bytes = packet->size();
  st.stats.flips = flip_count;
  st.stats.kept = kept;
  st.stats.lambda = st.lambda;
  if (signxor && !key && o.target_bits_per_coordinate > 0 && n > 0) {
    // Hold the target on average: raise lambda when over it, lower it when
    // under, in proportion to the miss (in the log domain, so lambda stays
    // positive).
    const double bits = 8.0 * static_cast<double>(packet->size()) /
                        static_cast<double>(n);
    const double miss = bits / o.target_bits_per_coordinate - 1.0;
    // At most kMaxTargetLambda: beyond it the rule keeps signs so freely
    // that the error memory grows faster than training can absorb it.
    st.lambda = std::clamp(std::max(st.lambda, 1e-3) * std::exp(miss), 0.0,
                           kMaxTargetLambda);
  }
  st.key_requested = false;
  st.since_key = key ? 1 : st.since_key + 1;
  ++st.sequence;
  return absl::OkStatus();
}

}  // namespace gradcodec

namespace gradcodec {
namespace {

absl::Status StateMismatch(absl::string_view what) {
  return MakeError(ErrorCode::kInvalidArgument,
                   absl::StrCat("the saved encoder state has ", what,
                                " other than this encoder's"));
}

}  // namespace

std::vector<uint8_t> Encoder::SaveState() const {
  const State& st = *state_;
  std::vector<uint8_t> blob;
  internal::BeginStateBlob(internal::kEncoderStateKind, &blob);
  internal::ByteWriter writer(&blob);
  writer.WriteU64(st.layout_fingerprint);
  writer.WriteU8(static_cast<uint8_t>(st.options.method));
  writer.WriteU64(st.count);
  writer.WriteU64(st.sequence);
  writer.WriteU64(st.since_key);
  writer.WriteU8(st.key_requested ? 1 : 0);
  writer.WriteU64(std::bit_cast<uint64_t>(st.lambda));
  writer.WriteU8(st.momentum.empty() ? 0 : 1);
  internal::WriteFloats(st.momentum, writer);
  writer.WriteU8(st.error.empty() ? 0 : 1);
  internal::WriteFloats(st.error, writer);
  if (st.shifted != nullptr) {
    // The seed with the sequence fixes the generator state (section
    // 11.10.3), so it is checked on restore like the method.
    writer.WriteU64(st.options.shifted.seed);
    st.shifted->Save(writer);
  }
  if (st.options.method == Method::kSignXor) {
    writer.WriteU8(st.has_reference ? 1 : 0);
    if (st.has_reference) internal::WriteSignReference(st.reference, writer);
    // The previous packet's scales, which the rate-distortion rule uses.
    writer.WriteU8(st.previous_scales.empty() ? 0 : 1);
    internal::WriteFloats(st.previous_scales, writer);
    for (double v : st.rate_model.flips()) {
      writer.WriteU64(std::bit_cast<uint64_t>(v));
    }
    for (double v : st.rate_model.totals()) {
      writer.WriteU64(std::bit_cast<uint64_t>(v));
    }
  }
  internal::FinishStateBlob(&blob);
  return blob;
}

absl::Status Encoder::RestoreState(absl::Span<const uint8_t> blob) {
  const State& st = *state_;
  absl::Span<const uint8_t> body;
  if (absl::Status s =
          internal::OpenStateBlob(blob, internal::kEncoderStateKind, &body);
      !s.ok()) {
    return s;
  }
  internal::ByteReader reader(body);
  uint64_t fingerprint = 0, count = 0, sequence = 0, since_key = 0,
           lambda_bits = 0;
  uint8_t method = 0, key_requested = 0, has_momentum = 0, has_error = 0;
  for (absl::Status s : {reader.ReadU64("layout_fingerprint", &fingerprint),
                         reader.ReadU8("method", &method),
                         reader.ReadU64("coordinate_count", &count)}) {
    if (!s.ok()) return s;
  }
  if (fingerprint != st.layout_fingerprint || count != st.count) {
    return StateMismatch("a layout");
  }
  if (method != static_cast<uint8_t>(st.options.method)) {
    return StateMismatch("a method");
  }
  for (absl::Status s : {reader.ReadU64("sequence", &sequence),
                         reader.ReadU64("since_key", &since_key),
                         reader.ReadU8("key_requested", &key_requested),
                         reader.ReadU64("lambda", &lambda_bits),
                         reader.ReadU8("has_momentum", &has_momentum)}) {
    if (!s.ok()) return s;
  }
  const double lambda = std::bit_cast<double>(lambda_bits);
  if (key_requested > 1 || !(lambda >= 0 && std::isfinite(lambda))) {
    return MakeError(ErrorCode::kInvalidField,
                     "the saved encoder state has `key_requested` or "
                     "`lambda` out of range");
  }
  if (has_momentum > 1) {
    return MakeError(ErrorCode::kInvalidField,
                     "saved field `has_momentum` is not 0 or 1");
  }
  if ((has_momentum != 0) != !st.momentum.empty()) {
    return StateMismatch("a momentum setting");
  }
  std::vector<float> momentum, error;
  if (has_momentum != 0) {
    if (absl::Status s = internal::ReadFloats(reader, "momentum", count,
                                              &momentum);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = reader.ReadU8("has_error", &has_error); !s.ok()) {
    return s;
  }
  if (has_error > 1) {
    return MakeError(ErrorCode::kInvalidField,
                     "saved field `has_error` is not 0 or 1");
  }
  if ((has_error != 0) != !st.error.empty()) {
    return StateMismatch("an error-feedback setting");
  }
  if (has_error != 0) {
    if (absl::Status s = internal::ReadFloats(reader, "error", count, &error);
        !s.ok()) {
      return s;
    }
  }
  if (st.shifted != nullptr) {
    uint64_t seed = 0;
    if (absl::Status s = reader.ReadU64("seed", &seed); !s.ok()) return s;
    if (seed != st.options.shifted.seed) return StateMismatch("a seed");
    // The shifted state is the blob's last part: it checks the end itself
    // and commits only when everything was read, after which nothing here
    // can fail.
    if (absl::Status s = state_->shifted->Restore(reader); !s.ok()) return s;
  }
  internal::SignReference reference;
  bool has_reference_saved = false;
  std::vector<float> previous_scales;
  internal::FlipCounts flips{}, totals{};
  const bool signxor = st.options.method == Method::kSignXor;
  if (signxor) {
    uint8_t has_reference = 0;
    if (absl::Status s = reader.ReadU8("has_reference", &has_reference);
        !s.ok()) {
      return s;
    }
    if (has_reference > 1) {
      return MakeError(ErrorCode::kInvalidField,
                       "saved field `has_reference` is not 0 or 1");
    }
    if (has_reference == 1) {
      if (absl::Status s =
              internal::ReadSignReference(reader, count, &reference);
          !s.ok()) {
        return s;
      }
    }
    uint8_t has_previous = 0;
    if (absl::Status s = reader.ReadU8("has_previous_scales", &has_previous);
        !s.ok()) {
      return s;
    }
    if (has_previous > 1) {
      return MakeError(ErrorCode::kInvalidField,
                       "saved field `has_previous_scales` is not 0 or 1");
    }
    if (has_previous == 1) {
      const uint64_t blocks =
          st.block_starts.empty() ? 0 : st.block_starts.size() - 1;
      if (absl::Status s = internal::ReadFloats(reader, "previous_scales",
                                                blocks, &previous_scales);
          !s.ok()) {
        return s;
      }
      for (float v : previous_scales) {
        if (!(v >= 0 && std::isfinite(v))) {
          return MakeError(ErrorCode::kInvalidField,
                           "a saved scale is negative or not finite");
        }
      }
    }
    for (auto* counts : {&flips, &totals}) {
      for (double& v : *counts) {
        uint64_t bits = 0;
        if (absl::Status s = reader.ReadU64("flip_counts", &bits); !s.ok()) {
          return s;
        }
        v = std::bit_cast<double>(bits);
        if (!(v >= 0 && std::isfinite(v))) {
          return MakeError(ErrorCode::kInvalidField,
                           "a saved flip count is negative or not finite");
        }
      }
    }
    has_reference_saved = has_reference == 1;
    if (has_reference == 0 && key_requested == 0) {
      return MakeError(ErrorCode::kInvalidField,
                       "a saved signxor encoder without reference signs must "
                       "owe a key packet");
    }
  }
  if (absl::Status s = reader.ExpectEnd("the saved encoder state"); !s.ok()) {
    return s;
  }
  // Everything read and checked: commit.
  State& mut = *state_;
  mut.sequence = sequence;
  mut.since_key = since_key;
  mut.key_requested = key_requested != 0;
  mut.lambda = lambda;
  mut.momentum = std::move(momentum);
  mut.error.assign(error.begin(), error.end());
  if (signxor) {
    mut.reference = std::move(reference);
    mut.has_reference = has_reference_saved;
    mut.previous_scales = std::move(previous_scales);
    mut.rate_model.SetCounts(flips, totals);
    mut.contexts_advance = false;  // the history is the blob's now
  }
  mut.has_sent = false;
  return absl::OkStatus();
}

}  // namespace gradcodec
