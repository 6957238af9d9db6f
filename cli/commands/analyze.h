// `gradcodec analyze INPUT... [--methods LIST] [--json]`: runs each method
// over the dumps without writing anything and prints one comparison table
// beside the baselines (cli/commands/baselines.h).
#ifndef GRADCODEC_CLI_COMMANDS_ANALYZE_H_
#define GRADCODEC_CLI_COMMANDS_ANALYZE_H_

#include <ostream>
#include <string>
#include <vector>

#include "cli/commands/codec_settings.h"

namespace gradcodec::cli {

struct AnalyzeOptions {
  std::vector<std::string> inputs;
  std::vector<Method> methods;  // empty: the sign methods
  CodecSettings settings;       // everything but the method
  bool json = false;
  bool quiet = false;
};

// Columns: bits per coordinate (every packet byte), ratio against fp32,
// relative error, cosine similarity, error-feedback residual (methods
// only), encode speed. Each step is read once and fed to every method.
int RunAnalyze(const AnalyzeOptions& options, std::ostream& out,
               std::ostream& err);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_COMMANDS_ANALYZE_H_
