// "Natural" file-name order: runs of digits compare as numbers, so that
// step_2 comes before step_10.
#ifndef GRADCODEC_CLI_DUMP_NATURAL_ORDER_H_
#define GRADCODEC_CLI_DUMP_NATURAL_ORDER_H_

#include "absl/strings/string_view.h"

namespace gradcodec::cli {

// True when `a` sorts before `b`. Digit runs compare by value (leading
// zeros ignored, then the shorter run first), everything else bytewise;
// names equal under that rule fall back to bytewise order, so the order is
// total.
bool NaturalLess(absl::string_view a, absl::string_view b);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_DUMP_NATURAL_ORDER_H_
