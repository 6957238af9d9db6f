// `gradcodec inspect IN.gcs [--json]`: the file header, layout and settings,
// and per packet its kind, sequence number, bytes, bits per coordinate and
// bytes per section.
#ifndef GRADCODEC_CLI_COMMANDS_INSPECT_H_
#define GRADCODEC_CLI_COMMANDS_INSPECT_H_

#include <ostream>
#include <string>

namespace gradcodec::cli {

struct InspectOptions {
  std::string input;
  bool json = false;
};

// Describes what can be read; a packet whose framing is damaged is listed
// with its error (verify decodes too). Returns the exit status: 0 when the
// file header is readable.
int RunInspect(const InspectOptions& options, std::ostream& out,
               std::ostream& err);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_COMMANDS_INSPECT_H_
