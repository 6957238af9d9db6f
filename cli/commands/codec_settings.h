// The codec settings a user picks on the command line, how they become
// EncoderOptions, and how they are recorded in (and read back from) a .gcs
// file's settings.
#ifndef GRADCODEC_CLI_COMMANDS_CODEC_SETTINGS_H_
#define GRADCODEC_CLI_COMMANDS_CODEC_SETTINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/dump/dump_tensor.h"
#include "gradcodec/codec_options.h"

namespace gradcodec::cli {

struct CodecSettings {
  Method method = Method::kSignXor;
  // Coordinates per scale block; 0: one block per tensor.
  uint64_t block_size = 256;
  std::optional<double> lambda;       // signxor: rd_lambda
  std::optional<double> target_bits;  // signxor: bits per coordinate to hold
  float momentum = 0;                 // Nesterov momentum in the encoder
  uint64_t key_interval = 0;
  SignCoder coder = SignCoder::kAuto;
  // The shifted methods (top_k .. fp32). `shift` unset picks the rule the
  // compressor supports: error feedback for contractive compressors, DIANA
  // for the others (rand_k, dither with omega >= 1).
  std::optional<Shift> shift;
  ShiftedOptions shifted;  // shift is taken from `shift` or the default
  // Shift rule fixed: the dump file holding h (shift_file.h), read once
  // the first step's tensors are known.
  std::string shift_file;
};

// The shift rule ToEncoderOptions uses for `settings` and `layout`.
Shift ResolvedShift(const CodecSettings& settings, const Layout& layout);

// The layout of a step's tensors with the settings' block size.
Layout LayoutOf(const std::vector<DumpTensor>& tensors, uint64_t block_size);

// EncoderOptions for `layout`; errors are Encoder::Create's.
EncoderOptions ToEncoderOptions(const CodecSettings& settings,
                                const Layout& layout);

// Settings as recorded in a .gcs header (keys in increasing order), plus
// the step names (`step_names`, one per line) when they fit.
std::vector<std::pair<std::string, std::string>> ToContainerSettings(
    const CodecSettings& settings, const std::vector<std::string>& step_names);

// The step names recorded by ToContainerSettings, or empty.
std::vector<std::string> StepNamesOf(
    const std::vector<std::pair<std::string, std::string>>& settings);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_COMMANDS_CODEC_SETTINGS_H_
