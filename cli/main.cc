// gradcodec: compress gradient dumps and report what the codec saves.
// Parses the command line (CLI11) and hands each subcommand to its Run*
// function in cli/commands/; no codec logic lives here.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/commands/analyze.h"
#include "cli/commands/compress.h"
#include "cli/commands/decompress.h"
#include "cli/commands/inspect.h"
#include "cli/commands/verify.h"
#include "cli/exit_codes.h"
#include "gradcodec/limits.h"
#include "gradcodec/names.h"

namespace gradcodec::cli {
namespace {

constexpr char kExitCodesHelp[] =
    "Exit status: 0 success; 1 bad input (a malformed or inconsistent dump, "
    "NaN or Inf in a tensor, a damaged .gcs); 2 usage error; 3 I/O error (a "
    "file that cannot be found, read or written).";

// Options that compress and analyze share. Their string forms are checked
// and converted by Finish().
struct SettingsFlags {
  std::string method = "signxor";
  std::string coder = "auto";
  std::optional<double> lambda;
  std::optional<double> target_bits;
  std::string shift = "auto";
  std::string shift_file;
  std::string values = "fp32";
  CodecSettings settings;

  void Add(CLI::App* command, bool with_method) {
    if (with_method) {
      command->add_option("--method", method,
                          "sign, scaled_sign, block_sign, signxor, or a shifted "
                          "method: top_k, rand_k, dither, natural, fp16, bf16, "
                          "fp32")
          ->check(CLI::IsMember({"sign", "scaled_sign", "block_sign", "signxor",
                                 "top_k", "rand_k", "dither", "natural", "fp16",
                                 "bf16", "fp32"}))
          ->capture_default_str();
    }
    command
        ->add_option("--block-size", settings.block_size,
                     "coordinates per scale block (0: one per tensor)")
        ->check(CLI::Range(uint64_t{0}, kMaxBlockSize))
        ->capture_default_str();
    auto* lambda_option =
        command->add_option("--lambda", lambda,
                            "signxor: rate-distortion trade-off (default 1.25; "
                            "0 sends every sign change)")
            ->check(CLI::Range(0.0, 1e6));
    command
        ->add_option("--target-bits", target_bits,
                     "signxor: bits per coordinate to hold on average "
                     "(adjusts lambda step by step)")
        ->check(CLI::Range(1e-6, 64.0))
        ->excludes(lambda_option);
    command
        ->add_option("--momentum", settings.momentum,
                     "Nesterov momentum applied by the encoder, in [0, 1)")
        ->check(CLI::Range(0.0f, 0.999999f))
        ->capture_default_str();
    command
        ->add_option("--key-interval", settings.key_interval,
                     "a key packet every N steps (0: only the first)")
        ->capture_default_str();
    command
        ->add_option("--shift", shift,
                     "shifted methods: none, error_feedback, ef21, diana, "
                     "rand_diana or fixed (auto: error_feedback where the "
                     "compressor allows it, else diana)")
        ->check(CLI::IsMember({"auto", "none", "error_feedback", "ef21",
                               "diana", "rand_diana", "fixed"}))
        ->capture_default_str();
    command->add_option("--shift-file", shift_file,
                        "--shift fixed: the shift, a dump file (.safetensors, "
                        ".npy, .npz) with the same tensors as the steps");
    command
        ->add_option("--k-fraction", settings.shifted.k_fraction,
                     "top_k, rand_k: the share of coordinates kept")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    command
        ->add_option("--values", values, "top_k, rand_k: fp32, fp16 or bf16")
        ->check(CLI::IsMember({"fp32", "fp16", "bf16"}))
        ->capture_default_str();
    command
        ->add_option("--levels", settings.shifted.levels,
                     "dither: levels per sign (1..255)")
        ->check(CLI::Range(1u, 255u))
        ->capture_default_str();
    command
        ->add_option("--seed", settings.shifted.seed,
                     "shifted methods: the stream's random seed")
        ->capture_default_str();
    command
        ->add_option("--coder", coder,
                     "sign/flip bit coder: auto, fast or adaptive")
        ->check(CLI::IsMember({"auto", "fast", "adaptive"}))
        ->capture_default_str();
  }

  // Usage errors for settings that do not apply.
  std::optional<std::string> Finish() {
    settings.method = *MethodFromName(method);
    settings.coder = *SignCoderFromName(coder);
    settings.lambda = lambda;
    settings.target_bits = target_bits;
    if (shift != "auto") settings.shift = ShiftFromName(shift);
    settings.shifted.values = values == "fp16"   ? ValuePrecision::kFp16
                              : values == "bf16" ? ValuePrecision::kBf16
                                                 : ValuePrecision::kFp32;
    if ((lambda || target_bits) && settings.method != Method::kSignXor) {
      return "--lambda and --target-bits apply to --method signxor only";
    }
    settings.shift_file = shift_file;
    return ShiftError();
  }

  // The usage errors of --shift and --shift-file, which analyze checks too.
  std::optional<std::string> ShiftError() const {
    if ((shift == "fixed") == shift_file.empty()) {
      return shift_file.empty()
                 ? std::string("--shift fixed needs --shift-file FILE")
                 : std::string("--shift-file applies to --shift fixed only");
    }
    return std::nullopt;
  }
};

int Main(int argc, char** argv) {
  CLI::App app{
      "gradcodec: compress gradient dumps (safetensors, .npy, .npz) to well "
      "under one bit per coordinate and report what it saves and costs."};
  app.footer(absl::StrCat(
      "Example:\n  gradcodec analyze grads/\n  gradcodec compress grads/ -o "
      "grads.gcs\n\n",
      kExitCodesHelp));
  app.require_subcommand(1);

  // compress
  CompressOptions compress;
  SettingsFlags compress_flags;
  CLI::App* compress_command = app.add_subcommand(
      "compress", "Encode every step of the dumps into a .gcs stream file and "
                  "report bits per coordinate, error and speed.");
  compress_command->add_option("INPUT", compress.inputs,
                               "dump files, or folders of them (steps in "
                               "natural order: step_2 before step_10)")
      ->required();
  compress_command->add_option("-o,--output", compress.output, "the .gcs file")
      ->required();
  compress_flags.Add(compress_command, /*with_method=*/true);
  compress_command->add_flag("--json", compress.json, "print the report as JSON");
  compress_command->add_flag("-q,--quiet", compress.quiet, "no progress");
  compress_command->footer(
      "Example:\n  gradcodec compress run/grads/ -o grads.gcs --method signxor "
      "--block-size 256\n  gradcodec compress step_*.safetensors -o g.gcs "
      "--target-bits 0.4 --json\n  gradcodec compress run/grads/ -o g.gcs "
      "--method natural --shift fixed --shift-file mean_grad.safetensors");

  // decompress
  DecompressOptions decompress;
  std::string steps_text, format = "safetensors";
  CLI::App* decompress_command = app.add_subcommand(
      "decompress",
      "Write the reconstructed update of every step with the original tensor "
      "names, shapes and dtypes.");
  decompress_command->add_option("IN", decompress.input, "a .gcs file")
      ->required();
  decompress_command->add_option("-o,--output", decompress.output_dir,
                                 "output folder (created if needed)")
      ->required();
  decompress_command->add_option(
      "--steps", steps_text,
      "steps A to B-1 (A:B, A:, :B, or A alone), numbered from 0");
  decompress_command->add_option("--format", format, "safetensors, npy or npz")
      ->check(CLI::IsMember({"safetensors", "npy", "npz"}))
      ->capture_default_str();
  decompress_command->add_flag("-q,--quiet", decompress.quiet,
                               "no progress or summary");
  decompress_command->footer(
      "Example:\n  gradcodec decompress grads.gcs -o restored/ --steps 0:10 "
      "--format npz");

  // inspect
  InspectOptions inspect;
  CLI::App* inspect_command = app.add_subcommand(
      "inspect", "Show a .gcs file's header, layout, settings and packets.");
  inspect_command->add_option("IN", inspect.input, "a .gcs file")->required();
  inspect_command->add_flag("--json", inspect.json, "print as JSON");
  inspect_command->footer("Example:\n  gradcodec inspect grads.gcs --json");

  // analyze
  AnalyzeOptions analyze;
  SettingsFlags analyze_flags;
  std::string methods_text;
  CLI::App* analyze_command = app.add_subcommand(
      "analyze",
      "Run each method over the dumps (writing nothing) and compare them with "
      "fp16, bf16, zstd and packed signs.");
  analyze_command->add_option("INPUT", analyze.inputs,
                              "dump files, or folders of them")
      ->required();
  analyze_command->add_option(
      "--methods", methods_text,
      "comma-separated methods (default: sign,scaled_sign,block_sign,signxor)");
  analyze_flags.Add(analyze_command, /*with_method=*/false);
  analyze_command->add_flag("--json", analyze.json, "print as JSON");
  analyze_command->add_flag("-q,--quiet", analyze.quiet, "no progress");
  analyze_command->footer(
      "Example:\n  gradcodec analyze run/grads/ --methods block_sign,signxor "
      "--momentum 0.9");

  // verify
  VerifyOptions verify;
  CLI::App* verify_command = app.add_subcommand(
      "verify",
      "Check every checksum and decode every packet of a .gcs file; report "
      "the first problem with its packet and byte offset.");
  verify_command->add_option("IN", verify.input, "a .gcs file")->required();
  verify_command->add_flag("--json", verify.json, "print the result as JSON");
  verify_command->add_flag("-q,--quiet", verify.quiet, "print only problems");
  verify_command->footer("Example:\n  gradcodec verify grads.gcs");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  auto usage_error = [](const std::string& message) {
    std::cerr << "gradcodec: " << message << "\n";
    return kExitUsage;
  };

  if (compress_command->parsed()) {
    if (auto error = compress_flags.Finish()) return usage_error(*error);
    compress.settings = compress_flags.settings;
    return RunCompress(compress, std::cout, std::cerr);
  }
  if (decompress_command->parsed()) {
    if (!steps_text.empty()) {
      absl::StatusOr<StepRange> range = ParseStepRange(steps_text);
      if (!range.ok()) return usage_error(std::string(range.status().message()));
      decompress.steps = *range;
    }
    decompress.format = format == "npy"   ? OutputFormat::kNpy
                        : format == "npz" ? OutputFormat::kNpz
                                          : OutputFormat::kSafetensors;
    return RunDecompress(decompress, std::cout, std::cerr);
  }
  if (inspect_command->parsed()) return RunInspect(inspect, std::cout, std::cerr);
  if (analyze_command->parsed()) {
    // The method stays signxor here, so this cannot refuse --lambda: it
    // applies to the signxor row.
    analyze_flags.Finish();
    if (auto error = analyze_flags.ShiftError()) return usage_error(*error);
    analyze.settings = analyze_flags.settings;
    for (absl::string_view name :
         absl::StrSplit(methods_text, ',', absl::SkipWhitespace())) {
      const std::optional<Method> method =
          MethodFromName(absl::StripAsciiWhitespace(name));
      if (!method) {
        return usage_error(absl::StrCat("--methods: unknown method '", name,
                                        "' (sign, scaled_sign, block_sign, "
                                        "signxor, top_k, rand_k, dither, "
                                        "natural, fp16, bf16, fp32)"));
      }
      analyze.methods.push_back(*method);
    }
    return RunAnalyze(analyze, std::cout, std::cerr);
  }
  if (verify_command->parsed()) return RunVerify(verify, std::cout, std::cerr);
  return kExitUsage;
}

}  // namespace
}  // namespace gradcodec::cli

int main(int argc, char** argv) { return gradcodec::cli::Main(argc, argv); }
