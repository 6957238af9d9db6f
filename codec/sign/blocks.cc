#include "codec/sign/blocks.h"

namespace gradcodec::internal {

std::vector<uint64_t> MethodBlockStarts(const Layout& layout, Method method) {
  std::vector<uint64_t> starts;
  if (method == Method::kSign) return starts;
  starts.push_back(0);
  uint64_t offset = 0;
  for (const TensorSpec& tensor : layout.tensors) {
    const uint64_t m = tensor.element_count();
    const uint64_t block = method == Method::kScaledSign || tensor.block_size == 0
                               ? m
                               : tensor.block_size;
    for (uint64_t start = block; start < m; start += block) {
      starts.push_back(offset + start);
    }
    offset += m;
    if (m != 0) starts.push_back(offset);
  }
  return starts;
}

CoordinateName NameCoordinate(const Layout& layout, uint64_t coordinate) {
  for (const TensorSpec& tensor : layout.tensors) {
    const uint64_t m = tensor.element_count();
    if (coordinate < m) return {&tensor, coordinate};
    coordinate -= m;
  }
  return {nullptr, coordinate};
}

}  // namespace gradcodec::internal
