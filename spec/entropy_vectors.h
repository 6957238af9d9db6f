// Entropy payload vectors, added to the set by BuildVectorSet().
#ifndef GRADCODEC_SPEC_ENTROPY_VECTORS_H_
#define GRADCODEC_SPEC_ENTROPY_VECTORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "spec/vector_set.h"

namespace gradcodec::spec {

void AddEntropyVectors(
    absl::FunctionRef<void(VectorKind, std::string path, std::string expect,
                           std::string description, std::vector<uint8_t>)>
        add);

}  // namespace gradcodec::spec

#endif  // GRADCODEC_SPEC_ENTROPY_VECTORS_H_
