#include "cli/dump/step_reader.h"

namespace gradcodec::cli {

StepReader::~StepReader() {
  if (pending_.valid()) pending_.wait();
}

void StepReader::StartRead(size_t index, Slot* slot) {
  pending_ = std::async(std::launch::async, [this, index, slot] {
    return source_->ReadStep(index, &slot->step, &slot->flat);
  });
}

absl::Status StepReader::Next(const DumpStep** step,
                              const std::vector<float>** flat) {
  const size_t steps = source_->step_paths().size();
  if (next_ >= steps) {
    return absl::OutOfRangeError("every step has been read");
  }
  const int slot = 1 - current_;
  if (!pending_.valid()) StartRead(next_, &slots_[slot]);  // the first step
  if (absl::Status s = pending_.get(); !s.ok()) return s;
  current_ = slot;
  ++next_;
  // Read ahead into the slot the caller has just given back.
  if (next_ < steps) StartRead(next_, &slots_[1 - current_]);
  *step = &slots_[current_].step;
  *flat = &slots_[current_].flat;
  return absl::OkStatus();
}

}  // namespace gradcodec::cli
