// Progress on stderr for long commands: shown only when stderr is a
// terminal, not asked to be quiet, and the work has run for a second.
#ifndef GRADCODEC_CLI_REPORT_PROGRESS_H_
#define GRADCODEC_CLI_REPORT_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace gradcodec::cli {

class Progress {
 public:
  Progress(std::string label, uint64_t total, bool quiet);
  ~Progress();  // clears the line it drew
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` of `total` finished.
  void Update(uint64_t done);

 private:
  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_REPORT_PROGRESS_H_
