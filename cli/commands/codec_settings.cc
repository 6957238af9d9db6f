#include "cli/commands/codec_settings.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gradcodec/encoder.h"
#include "gradcodec/limits.h"
#include "gradcodec/names.h"

namespace gradcodec::cli {

Layout LayoutOf(const std::vector<DumpTensor>& tensors, uint64_t block_size) {
  Layout layout;
  for (const DumpTensor& t : tensors) {
    layout.tensors.push_back({t.name, t.shape, t.dtype, block_size});
  }
  return layout;
}

EncoderOptions ToEncoderOptions(const CodecSettings& settings,
                                const Layout& layout) {
  EncoderOptions options;
  options.method = settings.method;
  options.layout = layout;
  options.momentum = settings.momentum;
  options.key_interval = settings.key_interval;
  options.sign_coder = settings.coder;
  if (settings.lambda) options.rd_lambda = *settings.lambda;
  if (settings.target_bits) {
    options.target_bits_per_coordinate = *settings.target_bits;
  }
  options.shifted = settings.shifted;
  options.shifted.shift = ResolvedShift(settings, layout);
  return options;
}

Shift ResolvedShift(const CodecSettings& settings, const Layout& layout) {
  if (settings.shift) return *settings.shift;
  // Error feedback where the compressor is contractive, else DIANA: the
  // encoder refuses error feedback with an expansive compressor (such as
  // rand_k scaled by d/k), which diverges.
  EncoderOptions probe;
  probe.method = settings.method;
  probe.layout = layout;
  probe.shifted = settings.shifted;
  probe.shifted.shift = Shift::kErrorFeedback;
  return Encoder::Create(probe).ok() ? Shift::kErrorFeedback : Shift::kDiana;
}

std::vector<std::pair<std::string, std::string>> ToContainerSettings(
    const CodecSettings& settings, const std::vector<std::string>& step_names) {
  std::vector<std::pair<std::string, std::string>> out = {
      {"block_size", absl::StrCat(settings.block_size)},
      {"coder", std::string(SignCoderName(settings.coder))},
      {"key_interval", absl::StrCat(settings.key_interval)},
      {"method", std::string(MethodName(settings.method))},
      {"momentum", absl::StrCat(settings.momentum)},
      {"producer", "gradcodec compress"},
  };
  if (settings.lambda) out.emplace_back("lambda", absl::StrCat(*settings.lambda));
  if (settings.target_bits) {
    out.emplace_back("target_bits", absl::StrCat(*settings.target_bits));
  }
  if (IsShiftedMethod(settings.method)) {
    // The shifted methods' own settings (each key packet's shift_setup
    // holds what a decoder needs; these say what the user asked for).
    const ShiftedOptions& s = settings.shifted;
    out.emplace_back("shift",
                     settings.shift ? std::string(ShiftName(*settings.shift))
                                    : std::string("auto"));
    if (settings.method == Method::kTopK || settings.method == Method::kRandK) {
      out.emplace_back("k_fraction", absl::StrCat(s.k_fraction));
      out.emplace_back("values", std::string(ValuePrecisionName(s.values)));
    }
    if (settings.method == Method::kDither) {
      out.emplace_back("levels", absl::StrCat(s.levels));
    }
    out.emplace_back("seed", absl::StrCat(s.seed));
    if (!settings.shift_file.empty()) {
      out.emplace_back("shift_file", settings.shift_file);
    }
  }
  const std::string names = absl::StrJoin(step_names, "\n");
  if (!names.empty() && names.size() <= kMaxSettingValueLength) {
    out.emplace_back("step_names", names);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> StepNamesOf(
    const std::vector<std::pair<std::string, std::string>>& settings) {
  for (const auto& [key, value] : settings) {
    if (key == "step_names") return absl::StrSplit(value, '\n');
  }
  return {};
}

}  // namespace gradcodec::cli
