// Reads the steps of a dump in order, one step ahead of the caller on a
// background thread, so that reading and parsing the next file overlaps
// the encoding of the current one (a tool that reads a step and then
// encodes it spends the sum of both; this one, about the larger).
#ifndef GRADCODEC_CLI_DUMP_STEP_READER_H_
#define GRADCODEC_CLI_DUMP_STEP_READER_H_

#include <future>
#include <vector>

#include "absl/status/status.h"
#include "cli/dump/dump_reader.h"

namespace gradcodec::cli {

class StepReader {
 public:
  // `source` must outlive the reader, and nothing else may read from it
  // meanwhile.
  explicit StepReader(DumpSource* source) : source_(source) {}
  ~StepReader();  // waits for a read in flight
  StepReader(const StepReader&) = delete;
  StepReader& operator=(const StepReader&) = delete;

  // The next step: its tensors (names, shapes, dtypes; no values) and its
  // values laid end to end. They stay valid until the next call. Errors are
  // DumpSource::ReadStep's, reported in step order; OUT_OF_RANGE once every
  // step has been returned.
  absl::Status Next(const DumpStep** step, const std::vector<float>** flat);

 private:
  struct Slot {
    DumpStep step;
    std::vector<float> flat;
  };
  void StartRead(size_t index, Slot* slot);

  DumpSource* source_;
  Slot slots_[2];
  int current_ = 1;   // the slot handed out last
  size_t next_ = 0;   // index of the next step to hand out
  std::future<absl::Status> pending_;  // reading step next_ into the other slot
};

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_DUMP_STEP_READER_H_
