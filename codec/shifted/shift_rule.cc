#include "codec/shifted/shift_rule.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "gradcodec/error_code.h"
#include "gradcodec/names.h"

namespace gradcodec::internal {

bool HasShift(Shift rule) {
  return rule == Shift::kEf21 || rule == Shift::kDiana ||
         rule == Shift::kRandDiana || rule == Shift::kFixed;
}

bool ShiftEvolves(Shift rule) {
  return rule == Shift::kEf21 || rule == Shift::kDiana ||
         rule == Shift::kRandDiana;
}

absl::Status CheckShiftCombination(Shift rule, const CompressorConfig& config,
                                   double omega) {
  const std::string method(MethodName(config.method));
  switch (rule) {
    case Shift::kDiana:
    case Shift::kRandDiana:
      // The DIANA analysis needs E[Q(x)] = x: a biased compressor's error
      // does not average out of the shift, which then drifts.
      if (!IsUnbiased(config)) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            absl::StrCat("shift rule ",
                         rule == Shift::kDiana ? "diana" : "rand_diana",
                         " needs an unbiased compressor (rand_k, dither, "
                         "natural, fp32); ", method, " is biased"));
      }
      if (!std::isfinite(omega)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         absl::StrCat("shift rule diana needs a finite "
                                      "variance bound; ", method,
                                      " with k = 0 keeps nothing"));
      }
      return absl::OkStatus();
    case Shift::kErrorFeedback:
    case Shift::kEf21:
      // Error feedback adds back what the compressor dropped; with an
      // expansive compressor (omega >= 1, such as rand_k scaled by d/k)
      // that memory grows without bound.
      if (IsUnbiased(config) && !(omega < 1)) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            absl::StrCat("shift rule ",
                         rule == Shift::kEf21 ? "ef21" : "error_feedback",
                         " needs a contractive compressor; ", method,
                         " has omega ", omega,
                         " >= 1 here: use diana or rand_diana with it"));
      }
      return absl::OkStatus();
    case Shift::kNone:
    case Shift::kFixed:
      return absl::OkStatus();
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   absl::StrCat("shift rule ", static_cast<int>(rule),
                                " does not exist"));
}

void FormCompressorInput(Shift rule, absl::Span<const float> v,
                         absl::Span<const float> h, absl::Span<const float> e,
                         absl::Span<float> x) {
  const size_t n = v.size();
  if (HasShift(rule)) {
    for (size_t i = 0; i < n; ++i) x[i] = v[i] - h[i];
  } else if (rule == Shift::kErrorFeedback && !e.empty()) {
    for (size_t i = 0; i < n; ++i) x[i] = v[i] + e[i];
  } else {
    for (size_t i = 0; i < n; ++i) x[i] = v[i];
  }
}

void ApplyCompressed(Shift rule, float alpha, absl::Span<const float> q,
                     absl::Span<float> h, absl::Span<float> out) {
  const size_t n = q.size();
  switch (rule) {
    case Shift::kNone:
    case Shift::kErrorFeedback:
      if (out.data() != q.data()) {
        for (size_t i = 0; i < n; ++i) out[i] = q[i];
      }
      return;
    case Shift::kEf21:
      for (size_t i = 0; i < n; ++i) {
        h[i] = h[i] + q[i];
        out[i] = h[i];
      }
      return;
    case Shift::kDiana:
      for (size_t i = 0; i < n; ++i) {
        const float qi = q[i];
        out[i] = h[i] + qi;
        h[i] = h[i] + alpha * qi;
      }
      return;
    case Shift::kRandDiana:
    case Shift::kFixed:
      for (size_t i = 0; i < n; ++i) out[i] = h[i] + q[i];
      return;
  }
}

}  // namespace gradcodec::internal
