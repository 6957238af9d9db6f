// Names of methods, sign coders and packet section types as the spec spells
// them (spec/FORMAT.md sections 6 and 11), for tools, logs and reports.
#ifndef GRADCODEC_NAMES_H_
#define GRADCODEC_NAMES_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "gradcodec/codec_options.h"

namespace gradcodec {

// The sign methods (spec section 11.1 methods 1..4).
inline constexpr Method kSignMethods[] = {Method::kSign, Method::kScaledSign,
                                          Method::kBlockSign, Method::kSignXor};
inline constexpr Method kAllMethods[] = {
    Method::kSign,    Method::kScaledSign, Method::kBlockSign, Method::kSignXor,
    Method::kTopK,    Method::kRandK,      Method::kDither,    Method::kNatural,
    Method::kFp16,    Method::kBf16,       Method::kFp32};

// "sign", "scaled_sign", "block_sign", "signxor", "top_k", "rand_k",
// "dither", "natural", "fp16", "bf16", "fp32"; "unknown" otherwise.
inline absl::string_view MethodName(Method method) {
  switch (method) {
    case Method::kSign:
      return "sign";
    case Method::kScaledSign:
      return "scaled_sign";
    case Method::kBlockSign:
      return "block_sign";
    case Method::kSignXor:
      return "signxor";
    case Method::kTopK:
      return "top_k";
    case Method::kRandK:
      return "rand_k";
    case Method::kDither:
      return "dither";
    case Method::kNatural:
      return "natural";
    case Method::kFp16:
      return "fp16";
    case Method::kBf16:
      return "bf16";
    case Method::kFp32:
      return "fp32";
  }
  return "unknown";
}

// The method a name (as MethodName spells it) stands for.
inline std::optional<Method> MethodFromName(absl::string_view name) {
  for (Method method : kAllMethods) {
    if (MethodName(method) == name) return method;
  }
  return std::nullopt;
}

// "none", "error_feedback", "ef21", "diana", "rand_diana", "fixed" (spec
// field `shift_rule`).
inline absl::string_view ShiftName(Shift shift) {
  switch (shift) {
    case Shift::kNone:
      return "none";
    case Shift::kErrorFeedback:
      return "error_feedback";
    case Shift::kEf21:
      return "ef21";
    case Shift::kDiana:
      return "diana";
    case Shift::kRandDiana:
      return "rand_diana";
    case Shift::kFixed:
      return "fixed";
  }
  return "unknown";
}

inline std::optional<Shift> ShiftFromName(absl::string_view name) {
  for (Shift shift : {Shift::kNone, Shift::kErrorFeedback, Shift::kEf21,
                      Shift::kDiana, Shift::kRandDiana, Shift::kFixed}) {
    if (ShiftName(shift) == name) return shift;
  }
  return std::nullopt;
}

// "fp32", "fp16", "bf16" (spec field `value_format`).
inline absl::string_view ValuePrecisionName(ValuePrecision values) {
  switch (values) {
    case ValuePrecision::kFp32:
      return "fp32";
    case ValuePrecision::kFp16:
      return "fp16";
    case ValuePrecision::kBf16:
      return "bf16";
  }
  return "unknown";
}

// "auto", "fast", "adaptive".
inline absl::string_view SignCoderName(SignCoder coder) {
  switch (coder) {
    case SignCoder::kAuto:
      return "auto";
    case SignCoder::kFast:
      return "fast";
    case SignCoder::kAdaptive:
      return "adaptive";
  }
  return "unknown";
}

inline std::optional<SignCoder> SignCoderFromName(absl::string_view name) {
  for (SignCoder coder :
       {SignCoder::kAuto, SignCoder::kFast, SignCoder::kAdaptive}) {
    if (SignCoderName(coder) == name) return coder;
  }
  return std::nullopt;
}

// Packet section types (spec section 6 and the methods' sections in 11):
// "layout", "block_scales", "signs", "flips", "adaptive_flips",
// "grouped_flips", "shift_setup", "shifted_values", "fixed_shift",
// "refresh", "shift", "comment", or "unknown".
inline absl::string_view SectionTypeName(uint8_t type) {
  switch (type) {
    case 0x01:
      return "layout";
    case 0x02:
      return "block_scales";
    case 0x03:
      return "signs";
    case 0x04:
      return "flips";
    case 0x05:
      return "adaptive_flips";
    case 0x06:
      return "grouped_flips";
    case 0x10:
      return "shift_setup";
    case 0x11:
      return "shifted_values";
    case 0x12:
      return "fixed_shift";
    case 0x13:
      return "refresh";
    case 0x14:
      return "shift";
    case 0x80:
      return "comment";
    default:
      return "unknown";
  }
}

}  // namespace gradcodec

#endif  // GRADCODEC_NAMES_H_
