// `gradcodec compress INPUT... -o OUT.gcs`: encodes every step of the
// dumps into a .gcs stream file and reports what it did.
#ifndef GRADCODEC_CLI_COMMANDS_COMPRESS_H_
#define GRADCODEC_CLI_COMMANDS_COMPRESS_H_

#include <ostream>
#include <string>
#include <vector>

#include "cli/commands/codec_settings.h"

namespace gradcodec::cli {

struct CompressOptions {
  std::vector<std::string> inputs;
  std::string output;
  CodecSettings settings;
  bool json = false;
  bool quiet = false;
};

// Returns the exit status (cli/exit_codes.h). The report goes to `out`,
// errors to `err`; OUT.gcs is written only when everything succeeded.
int RunCompress(const CompressOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_COMMANDS_COMPRESS_H_
