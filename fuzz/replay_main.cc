// A plain driver for the fuzz targets: runs LLVMFuzzerTestOneInput over every
// file of the folders (or files) named on the command line, so that ctest
// replays the corpora and regressions with any compiler and no fuzzing
// engine.
//
//   <target>_replay [--allow-empty] PATH...
//
// Exits non-zero when a path is missing, or when no input was found unless
// --allow-empty (a regressions folder starts out empty). A target that finds
// a violation aborts, which fails the test.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 1;
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  size_t inputs = 0;
  bool allow_empty = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--allow-empty") {
      allow_empty = true;
      continue;
    }
    const std::filesystem::path root = argv[i];
    if (std::filesystem::is_regular_file(root)) {
      if (RunFile(root) != 0) return 1;
      ++inputs;
      continue;
    }
    if (!std::filesystem::is_directory(root)) {
      std::fprintf(stderr, "no such corpus: %s\n", root.c_str());
      return 1;
    }
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      if (entry.path().filename().string()[0] == '.') continue;
      if (RunFile(entry.path()) != 0) return 1;
      ++inputs;
    }
  }
  std::printf("replayed %zu inputs\n", inputs);
  return inputs == 0 && !allow_empty ? 1 : 0;
}
