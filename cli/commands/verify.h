// `gradcodec verify IN.gcs`: checks every checksum and decodes every packet;
// reports the first problem with its packet and byte offset.
#ifndef GRADCODEC_CLI_COMMANDS_VERIFY_H_
#define GRADCODEC_CLI_COMMANDS_VERIFY_H_

#include <ostream>
#include <string>

namespace gradcodec::cli {

struct VerifyOptions {
  std::string input;
  bool json = false;
  bool quiet = false;
};

// Problems, in the order they are looked for: the file header; a missing or
// damaged index (a file whose writer did not finish); a record that ends the
// scan early; each packet's framing and checksum (ReadPacketInfo); a packet
// whose layout differs from the file's; decoding the whole stream in order.
// Exit status 0 when there is none, kExitBadInput at the first.
int RunVerify(const VerifyOptions& options, std::ostream& out,
              std::ostream& err);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_COMMANDS_VERIFY_H_
