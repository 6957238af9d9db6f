// Rebuilds spec/vectors/: every test vector file and MANIFEST.tsv.
//
//   generate_vectors <spec/vectors folder>
//
// Prints the vector-set digest that the FORMAT.md changelog must record.
// The vectors test fails when this output no longer matches the checked-in
// files, so a change to the format cannot slip in unnoticed.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "spec/vector_set.h"

namespace {

bool WriteFile(const std::filesystem::path& path, const void* data,
               size_t size) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <spec/vectors folder>\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root = argv[1];
  const auto vectors = gradcodec::spec::BuildVectorSet();
  // Start clean so that a vector dropped from the set disappears from disk.
  for (const char* sub :
       {"packets", "containers", "byte_streams", "bit_streams"}) {
    std::filesystem::remove_all(root / sub);
  }
  for (const auto& vector : vectors) {
    if (!WriteFile(root / vector.path, vector.bytes.data(),
                   vector.bytes.size())) {
      std::fprintf(stderr, "cannot write %s\n",
                   (root / vector.path).c_str());
      return 1;
    }
  }
  const std::string manifest = gradcodec::spec::ManifestText(vectors);
  if (!WriteFile(root / "MANIFEST.tsv", manifest.data(), manifest.size())) {
    std::fprintf(stderr, "cannot write MANIFEST.tsv\n");
    return 1;
  }
  std::printf("wrote %zu vectors\nvectors-digest: %s\n", vectors.size(),
              gradcodec::spec::VectorSetDigest(vectors).c_str());
  return 0;
}
