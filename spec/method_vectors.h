// Test vectors for the methods of spec/FORMAT.md section 11: streams of
// packets through one decoder, valid ones for every method and the
// desynchronisation and payload errors a decoder must report.
//
// A `stream` vector file is a sequence of u32 (little-endian) packet
// lengths each followed by its packet. Its manifest result lists, for each
// packet in order, "ok:" and the XXH3-64 of the decoded float32 bytes, or
// the error name, separated by spaces.
#ifndef GRADCODEC_SPEC_METHOD_VECTORS_H_
#define GRADCODEC_SPEC_METHOD_VECTORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "spec/vector_set.h"

namespace gradcodec::spec {

// The harness refuses streams whose packets claim more coordinates.
inline constexpr uint64_t kVectorMaxCoordinates = uint64_t{1} << 20;

void AddMethodVectors(
    absl::FunctionRef<void(VectorKind, std::string path, std::string expect,
                           std::string description, std::vector<uint8_t>)>
        add);

// The result a decoder gives for a stream vector, in manifest notation.
std::string StreamResult(const std::vector<uint8_t>& file);

}  // namespace gradcodec::spec

#endif  // GRADCODEC_SPEC_METHOD_VECTORS_H_
