// The blocks a method scales by (spec/FORMAT.md, "Blocks of the sign
// methods"): block k covers coordinates [starts[k], starts[k + 1]).
#ifndef GRADCODEC_CODEC_SIGN_BLOCKS_H_
#define GRADCODEC_CODEC_SIGN_BLOCKS_H_

#include <cstdint>
#include <vector>

#include "gradcodec/codec_options.h"
#include "gradcodec/layout.h"

namespace gradcodec::internal {

// sign: no blocks (an empty vector); scaled_sign: one block per non-empty
// tensor; block_sign and signxor: the layout's blocks (section 4.3).
// Otherwise the block count plus one boundaries, from 0 to the coordinate
// count. `layout` must be valid.
std::vector<uint64_t> MethodBlockStarts(const Layout& layout, Method method);

// The tensor and the index within it of coordinate `coordinate`, for
// error messages.
struct CoordinateName {
  const TensorSpec* tensor;
  uint64_t index;
};
CoordinateName NameCoordinate(const Layout& layout, uint64_t coordinate);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_SIGN_BLOCKS_H_
