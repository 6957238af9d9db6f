#include "cli/commands/codec_settings.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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
  return options;
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
