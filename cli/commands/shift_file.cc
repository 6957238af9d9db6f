#include "cli/commands/shift_file.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "cli/dump/dump_reader.h"

namespace gradcodec::cli {

absl::StatusOr<std::vector<float>> ReadShiftFile(const std::string& path,
                                                 const DumpStep& first_step) {
  std::vector<uint8_t> bytes;
  DumpStep shift;
  std::vector<float> flat;
  if (absl::Status s = ReadDumpFile(path, &bytes, &shift, &flat); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckSameTensors(path, shift.tensors, first_step.path,
                                        first_step.tensors,
                                        /*compare_dtypes=*/false);
      !s.ok()) {
    return s;
  }
  uint64_t start = 0;
  for (const DumpTensor& t : shift.tensors) {
    const uint64_t count = t.element_count();
    for (uint64_t i = 0; i < count; ++i) {
      if (!std::isfinite(flat[start + i])) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": tensor '", t.name, "' element ", i, " is ",
                         flat[start + i], "; a shift must be finite"));
      }
    }
    start += count;
  }
  return flat;
}

}  // namespace gradcodec::cli
