#include "codec/shifted/shift_setup.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "codec/shifted/shift_rule.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

inline constexpr uint8_t kMaxShiftRule = static_cast<uint8_t>(Shift::kFixed);

bool HasK(Method method) {
  return method == Method::kTopK || method == Method::kRandK;
}

absl::Status FieldError(absl::string_view field, absl::string_view why) {
  return MakeError(ErrorCode::kInvalidField,
                   absl::StrCat("field `", field, "` ", why));
}

uint64_t MaxBlock(const std::vector<uint64_t>& starts, uint64_t n) {
  if (starts.empty()) return n;
  uint64_t largest = 0;
  for (size_t b = 0; b + 1 < starts.size(); ++b) {
    largest = std::max(largest, starts[b + 1] - starts[b]);
  }
  return largest;
}

}  // namespace

void SerializeShiftSetup(const ShiftedSetup& setup, std::vector<uint8_t>* out) {
  ByteWriter writer(out);
  const Method method = setup.compressor.method;
  writer.WriteU8(static_cast<uint8_t>(setup.rule));
  writer.WriteU8(HasK(method) ? static_cast<uint8_t>(setup.compressor.values)
                              : 0);
  writer.WriteU8(method == Method::kDither
                     ? static_cast<uint8_t>(setup.compressor.levels)
                     : 0);
  writer.WriteVarint(HasK(method) ? setup.compressor.k : 0);
  writer.WriteU32(setup.rule == Shift::kDiana
                      ? std::bit_cast<uint32_t>(setup.alpha)
                      : 0);
  writer.WriteU64(setup.seed);
}

absl::StatusOr<ShiftedSetup> ParseShiftSetup(absl::Span<const uint8_t> payload,
                                             Method method, uint64_t n,
                                             std::vector<uint64_t> block_starts) {
  ByteReader reader(payload);
  uint8_t rule = 0, value_format = 0, levels = 0;
  uint64_t k = 0, seed = 0;
  uint32_t alpha_bits = 0;
  for (absl::Status s : {reader.ReadU8("shift_rule", &rule),
                         reader.ReadU8("value_format", &value_format),
                         reader.ReadU8("levels", &levels),
                         reader.ReadVarint("k", &k),
                         reader.ReadU32("alpha", &alpha_bits),
                         reader.ReadU64("seed", &seed)}) {
    if (!s.ok()) return s;
  }
  if (rule > kMaxShiftRule) {
    return FieldError("shift_rule", absl::StrCat("is ", rule, "; it must be 0..",
                                                 kMaxShiftRule));
  }
  if (HasK(method) ? value_format > 2 : value_format != 0) {
    return FieldError("value_format",
                      absl::StrCat("is ", value_format, "; it must be ",
                                   HasK(method) ? "0..2" : "0 for this method"));
  }
  if (method == Method::kDither ? levels == 0 : levels != 0) {
    return FieldError("levels", absl::StrCat("is ", levels, "; it must be ",
                                             method == Method::kDither
                                                 ? "1..255"
                                                 : "0 for this method"));
  }
  if (HasK(method) ? k > n : k != 0) {
    return FieldError("k", absl::StrCat("is ", k, "; it must be ",
                                        HasK(method)
                                            ? absl::StrCat("at most ", n)
                                            : std::string("0 for this method")));
  }
  const float alpha = std::bit_cast<float>(alpha_bits);
  if (rule == static_cast<uint8_t>(Shift::kDiana)
          ? !(alpha > 0 && alpha <= 1)
          : alpha_bits != 0) {
    return FieldError("alpha", absl::StrCat("is ", alpha, "; it must be ",
                                            rule == static_cast<uint8_t>(
                                                        Shift::kDiana)
                                                ? "in (0, 1]"
                                                : "0 for this shift rule"));
  }
  if (absl::Status s = reader.ExpectEnd("the `shift_setup` section"); !s.ok()) {
    return s;
  }
  ShiftedSetup setup;
  setup.compressor.method = method;
  setup.compressor.k = k;
  setup.compressor.values = static_cast<ValueFormat>(value_format);
  setup.compressor.levels = levels;
  setup.rule = static_cast<Shift>(rule);
  setup.alpha = rule == static_cast<uint8_t>(Shift::kDiana) ? alpha : 1;
  setup.seed = seed;
  setup.block_starts = std::move(block_starts);
  const double omega =
      Omega(setup.compressor, n, MaxBlock(setup.block_starts, n));
  if (absl::Status s = CheckShiftCombination(setup.rule, setup.compressor, omega);
      !s.ok()) {
    return FieldError("shift_rule", s.message());
  }
  return setup;
}

}  // namespace gradcodec::internal
