// The conformance test vectors of spec/FORMAT.md, built in code.
//
// generate_vectors writes them to spec/vectors/ with MANIFEST.tsv; the
// vectors test rebuilds them and checks the checked-in files still match,
// then replays every file against the manifest.
#ifndef GRADCODEC_SPEC_VECTOR_SET_H_
#define GRADCODEC_SPEC_VECTOR_SET_H_

#include <cstdint>
#include <string>
#include <vector>

namespace gradcodec::spec {

enum class VectorKind { kPacket, kContainer, kByteStream, kBitStream, kStream };

// Harness parameters of entropy payload vectors (spec/FORMAT.md, "Test
// vectors"): byte streams decode with this maximum symbol count; bit-stream
// files start with u32 bit_count and u16 context_count, and the contexts
// are context(i) = (7 i + i / 13) mod context_count.
inline constexpr uint64_t kVectorMaxByteSymbols = uint64_t{1} << 20;
inline uint8_t VectorContext(uint64_t i, uint32_t context_count) {
  return static_cast<uint8_t>((7 * i + i / 13) % context_count);
}

struct TestVector {
  std::string path;  // relative to spec/vectors, e.g. "packets/key_minimal.gcp"
  VectorKind kind;
  // The result a conforming reader must produce, as written in the manifest:
  //  packets:    "ok" or an error name (ErrorCodeName)
  //  containers: an error name if opening fails, else
  //              "ok packets=N valid=V index=yes|no stop=NAME"
  //              (N entries, V of which parse as packets, whether the index
  //              was used, and the scan stop reason, OK when it ran clean)
  //  byte and bit streams: an error name, or "ok " and the XXH3-64 (16 hex
  //              digits) of the decoded bytes (bit streams: packed bytes)
  std::string expect;
  std::string description;
  std::vector<uint8_t> bytes;
};

std::vector<TestVector> BuildVectorSet();

// "packet", "container", "byte_stream", "bit_stream" or "stream", as in the
// manifest.
const char* KindName(VectorKind kind);

// The result a reader gives for an entropy payload vector, in manifest
// notation (used by the generator for the vectors whose expectation is the
// reference decoder's, and by the vectors test).
std::string ByteStreamResult(const std::vector<uint8_t>& file);
std::string BitStreamResult(const std::vector<uint8_t>& file);

// The manifest text for a vector set: a header line, then one line per
// vector: path, kind, expect, description, separated by tabs.
std::string ManifestText(const std::vector<TestVector>& vectors);

// XXH3-64 over the manifest and every vector's bytes, as 16 hex digits: the
// value FORMAT.md's changelog records as `vectors-digest:` for the spec
// version that introduced this exact vector set.
std::string VectorSetDigest(const std::vector<TestVector>& vectors);

}  // namespace gradcodec::spec

#endif  // GRADCODEC_SPEC_VECTOR_SET_H_
