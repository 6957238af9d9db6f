#include "codec/shifted/shifted_stream.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "codec/entropy/byte_stream_coder.h"
#include "codec/shifted/packet_random.h"
#include "codec/shifted/payload_parts.h"
#include "codec/shifted/shift_rule.h"
#include "gradcodec/error_code.h"
#include "gradcodec/names.h"

namespace gradcodec::internal {
namespace {

absl::Status OptionError(absl::string_view option, absl::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   absl::StrCat("encoder option `shifted.", option, "` ", why));
}

// The first coordinate of `values` that is not finite, or n.
uint64_t FirstNonFinite(absl::Span<const float> values) {
  for (uint64_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) return i;
  }
  return values.size();
}

}  // namespace

absl::StatusOr<ShiftedSetup> ResolveShiftedSetup(
    Method method, const ShiftedOptions& o, uint64_t n,
    std::vector<uint64_t> block_starts) {
  ShiftedSetup setup;
  setup.compressor.method = method;
  if (method == Method::kTopK || method == Method::kRandK) {
    if (!(o.k_fraction >= 0 && o.k_fraction <= 1)) {
      return OptionError("k_fraction", absl::StrCat("is ", o.k_fraction,
                                                    "; it must be in [0, 1]"));
    }
    const uint64_t k =
        o.k != 0 ? o.k
                 : static_cast<uint64_t>(
                       std::ceil(o.k_fraction * static_cast<double>(n)));
    setup.compressor.k = std::min(k, n);
    if (o.values != ValuePrecision::kFp32 && o.values != ValuePrecision::kFp16 &&
        o.values != ValuePrecision::kBf16) {
      return OptionError("values", "must be kFp32, kFp16 or kBf16");
    }
    setup.compressor.values = static_cast<ValueFormat>(o.values);
  }
  if (method == Method::kDither) {
    if (o.levels < 1 || o.levels > kMaxDitherLevels) {
      return OptionError("levels", absl::StrCat("is ", o.levels,
                                                "; it must be 1..",
                                                kMaxDitherLevels));
    }
    setup.compressor.levels = o.levels;
  }
  setup.compressor.zstd = method == Method::kFp32 && o.zstd;
  setup.rule = o.shift;
  setup.seed = o.seed;
  setup.block_starts = std::move(block_starts);
  uint64_t max_block = n;
  if (!setup.block_starts.empty()) {
    max_block = 0;
    for (size_t b = 0; b + 1 < setup.block_starts.size(); ++b) {
      max_block = std::max(max_block,
                           setup.block_starts[b + 1] - setup.block_starts[b]);
    }
  }
  const double omega = Omega(setup.compressor, n, max_block);
  if (absl::Status s = CheckShiftCombination(o.shift, setup.compressor, omega);
      !s.ok()) {
    return s;
  }
  if (o.shift == Shift::kDiana) {
    if (!(o.alpha >= 0 && o.alpha <= 1)) {
      return OptionError("alpha",
                         absl::StrCat("is ", o.alpha, "; it must be in [0, 1]"));
    }
    setup.alpha = o.alpha != 0 ? o.alpha : static_cast<float>(1 / (omega + 1));
  }
  if (o.shift == Shift::kRandDiana) {
    if (!(o.refresh_probability >= 0 && o.refresh_probability <= 1)) {
      return OptionError("refresh_probability",
                         absl::StrCat("is ", o.refresh_probability,
                                      "; it must be in [0, 1]"));
    }
    setup.refresh_probability = o.refresh_probability != 0
                                    ? o.refresh_probability
                                    : 1 / (omega + 1);
  }
  if (o.shift == Shift::kFixed) {
    if (o.fixed_shift.size() != n) {
      return OptionError("fixed_shift",
                         absl::StrCat("holds ", o.fixed_shift.size(),
                                      " floats; the layout has ", n,
                                      " coordinates"));
    }
    if (const uint64_t bad = FirstNonFinite(o.fixed_shift); bad != n) {
      return OptionError("fixed_shift",
                         absl::StrCat("element ", bad, " is not finite"));
    }
    setup.fixed_shift = o.fixed_shift;
  } else if (!o.fixed_shift.empty()) {
    return OptionError("fixed_shift", "is set, but the shift rule is not kFixed");
  }
  return setup;
}

void WriteDenseFloats(absl::Span<const float> values,
                      std::vector<uint8_t>* out) {
  std::vector<uint8_t> bytes;
  bytes.reserve(4 * values.size());
  std::vector<float> widened(values.size());
  NarrowValues(values, ValueFormat::kFp32, &bytes, absl::MakeSpan(widened));
  // Stored: dense float32 gradients barely compress, and a refresh must be
  // cheap to write.
  ByteStreamOptions options;
  options.coder = ByteCoder::kStored;
  EncodeByteStream(bytes, options, out);
}

absl::Status ReadDenseFloats(absl::Span<const uint8_t> payload,
                             absl::Span<float> values) {
  std::vector<uint8_t> bytes;
  if (absl::Status s =
          ReadWholeByteStream(payload, "dense_values", 4 * values.size(), &bytes);
      !s.ok()) {
    return s;
  }
  return WidenValues(bytes, ValueFormat::kFp32, "dense_values", values);
}

ShiftTrack::ShiftTrack(const ShiftedSetup& setup, uint64_t n) {
  if (setup.rule == Shift::kFixed) {
    h_ = setup.fixed_shift;
  } else if (HasShift(setup.rule)) {
    h_.assign(n, 0.0f);
  }
}

ShiftedSender::ShiftedSender(ShiftedSetup setup, uint64_t n)
    : setup_(std::move(setup)), n_(n), track_(setup_, n) {
  if (setup_.rule == Shift::kErrorFeedback) error_.assign(n, 0.0f);
}

absl::Status ShiftedSender::Step(absl::Span<const float> v, uint64_t sequence,
                                 ShiftedMessage* message,
                                 absl::Span<float> out) {
  const uint64_t n = n_;
  if (const uint64_t bad = FirstNonFinite(v); bad != n) {
    return MakeError(ErrorCode::kNonFiniteInput,
                     absl::StrCat("coordinate ", bad, " of the input is ",
                                  v[bad], "; the encoder's state is unchanged"));
  }
  next_h_.assign(track_.h().begin(), track_.h().end());
  SplitMix64 own = EncoderPacketRandom(setup_.seed, sequence);
  message->payload.clear();
  message->refresh = false;
  if (setup_.rule == Shift::kRandDiana &&
      own.NextDouble() < setup_.refresh_probability) {
    // Refresh: v goes as is, the receiver outputs it and h = v.
    message->refresh = true;
    WriteDenseFloats(v, &message->payload);
    std::copy(v.begin(), v.end(), out.begin());
    next_h_.assign(v.begin(), v.end());
    track_.mutable_h().swap(next_h_);
    return absl::OkStatus();
  }
  x_.resize(n);
  q_.resize(n);
  FormCompressorInput(setup_.rule, v, next_h_, error_, absl::MakeSpan(x_));
  if (const uint64_t bad = FirstNonFinite(x_); bad != n) {
    return MakeError(ErrorCode::kNonFiniteInput,
                     absl::StrCat("coordinate ", bad,
                                  " overflows once the shift or error memory "
                                  "is applied; the encoder's state is "
                                  "unchanged"));
  }
  SplitMix64 shared = SharedPacketRandom(setup_.seed, sequence);
  if (absl::Status s = Compress(setup_.compressor, x_, setup_.block_starts,
                                shared, own, &message->payload,
                                absl::MakeSpan(q_));
      !s.ok()) {
    return s;
  }
  ApplyCompressed(setup_.rule, setup_.alpha, q_, absl::MakeSpan(next_h_), out);
  if (const uint64_t bad = FirstNonFinite(out); bad != n) {
    return MakeError(ErrorCode::kNonFiniteInput,
                     absl::StrCat("coordinate ", bad,
                                  " of the reconstruction overflows; the "
                                  "encoder's state is unchanged"));
  }
  // Commit.
  if (setup_.rule == Shift::kErrorFeedback) {
    for (uint64_t i = 0; i < n; ++i) error_[i] = x_[i] - q_[i];
  }
  track_.mutable_h().swap(next_h_);
  return absl::OkStatus();
}

ShiftedReceiver::ShiftedReceiver(ShiftedSetup setup, uint64_t n)
    : setup_(std::move(setup)), n_(n), track_(setup_, n) {}

absl::Status ShiftedReceiver::Step(bool refresh,
                                   absl::Span<const uint8_t> payload,
                                   uint64_t sequence, absl::Span<float> out) {
  next_h_.assign(track_.h().begin(), track_.h().end());
  if (refresh) {
    if (absl::Status s = ReadDenseFloats(payload, out); !s.ok()) return s;
    next_h_.assign(out.begin(), out.end());
    return absl::OkStatus();
  }
  q_.resize(n_);
  SplitMix64 shared = SharedPacketRandom(setup_.seed, sequence);
  if (absl::Status s = Decompress(setup_.compressor, payload,
                                  setup_.block_starts, shared,
                                  absl::MakeSpan(q_));
      !s.ok()) {
    return s;
  }
  ApplyCompressed(setup_.rule, setup_.alpha, q_, absl::MakeSpan(next_h_), out);
  if (const uint64_t bad = FirstNonFinite(out); bad != n_) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("coordinate ", bad,
                                  " of the reconstruction is not finite"));
  }
  return absl::OkStatus();
}

void ShiftedReceiver::Commit() {
  // Rules without a shift keep both vectors empty.
  if (HasShift(setup_.rule)) track_.mutable_h().swap(next_h_);
}

}  // namespace gradcodec::internal
