// Fuzz target: the command-line tool's dump readers (cli/dump/): the
// safetensors, .npy and .npz parsers, which read users' files.
//
// Input: one byte choosing the format (value % 3: safetensors, npy, npz),
// then the file. Whatever parses must have consistent tensors (as many
// values as the shape says) and survive a round trip through the matching
// writer: serialised and parsed again, it gives the same tensors. Errors
// must be INVALID_ARGUMENT messages that start with the file's name. A
// safetensors input is also written to a file and read back with
// ReadSafetensors (which may read F32 data straight into the flat vector):
// it must give what ParseSafetensors gives, error or step.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <unistd.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/dump/npy.h"
#include "cli/dump/npz.h"
#include "cli/dump/safetensors.h"

namespace {

using gradcodec::cli::DumpStep;
using gradcodec::cli::DumpTensor;

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckError(const absl::Status& status, const char* name) {
  Check(status.code() == absl::StatusCode::kInvalidArgument);
  Check(absl::StartsWith(status.message(), name));
}

// Same tensors, bit for bit (NaN payloads included, except that float16
// NaNs may come back quiet).
bool SameTensors(const std::vector<DumpTensor>& a,
                 const std::vector<DumpTensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k].name != b[k].name || a[k].shape != b[k].shape ||
        a[k].values.size() != b[k].values.size()) {
      return false;
    }
    for (size_t i = 0; i < a[k].values.size(); ++i) {
      const float x = a[k].values[i], y = b[k].values[i];
      if (x != x && y != y) continue;
      if (std::memcmp(&x, &y, 4) != 0) return false;
    }
  }
  return true;
}

void CheckStep(const DumpStep& step) {
  for (const DumpTensor& t : step.tensors) {
    Check(t.values.size() == t.element_count());
  }
}

// ReadSafetensors on `file` written to a file agrees with ParseSafetensors.
void CheckReadFromFile(absl::Span<const uint8_t> file) {
  using namespace gradcodec::cli;
  // In memory (/dev/shm) where there is one: a disk file costs most of
  // the run. Removed at exit.
  struct ScratchFile {
    std::filesystem::path path =
        (std::filesystem::is_directory("/dev/shm")
             ? std::filesystem::path("/dev/shm")
             : std::filesystem::temp_directory_path()) /
        absl::StrCat("dump_reader_fuzzer_", ::getpid(), ".safetensors");
    ~ScratchFile() {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  };
  static const ScratchFile scratch;
  const std::filesystem::path& path = scratch.path;
  std::FILE* out = std::fopen(path.c_str(), "wb");
  Check(out != nullptr);
  Check(file.empty() || std::fwrite(file.data(), 1, file.size(), out) == file.size());
  Check(std::fclose(out) == 0);
  DumpStep parsed, read;
  std::vector<float> parsed_flat, read_flat;
  std::vector<uint8_t> buffer;
  const absl::Status want =
      ParseSafetensors(path.string(), file, &parsed, &parsed_flat);
  const absl::Status got = ReadSafetensors(path.string(), &buffer, &read,
                                           &read_flat);
  Check(got == want);
  if (want.ok()) {
    Check(read_flat.size() == parsed_flat.size() &&
          (read_flat.empty() ||
           std::memcmp(read_flat.data(), parsed_flat.data(),
                       4 * read_flat.size()) == 0));
    Check(read.notes == parsed.notes && SameTensors(read.tensors, parsed.tensors));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gradcodec::cli;
  if (size == 0) return 0;
  const int format = data[0] % 3;
  const absl::Span<const uint8_t> file(data + 1, size - 1);
  if (format == 0) {
    CheckReadFromFile(file);
    absl::StatusOr<DumpStep> step = ParseSafetensors("f.safetensors", file);
    if (!step.ok()) return CheckError(step.status(), "f.safetensors"), 0;
    CheckStep(*step);
    absl::StatusOr<DumpStep> again =
        ParseSafetensors("g", SerializeSafetensors(step->tensors));
    Check(again.ok() && SameTensors(step->tensors, again->tensors));
  } else if (format == 1) {
    DumpTensor tensor;
    std::string note;
    absl::StatusOr<NpyContent> content = ParseNpy("f.npy", file, &tensor, &note);
    if (!content.ok()) return CheckError(content.status(), "f.npy"), 0;
    if (*content == NpyContent::kSkipped) return Check(!note.empty()), 0;
    Check(tensor.values.size() == tensor.element_count());
    DumpTensor again;
    Check(ParseNpy("g", SerializeNpy(tensor), &again, &note).ok());
    Check(SameTensors({tensor}, {again}));
  } else {
    absl::StatusOr<DumpStep> step = ParseNpz("f.npz", file);
    if (!step.ok()) return CheckError(step.status(), "f.npz"), 0;
    CheckStep(*step);
    absl::StatusOr<std::vector<uint8_t>> written = SerializeNpz(step->tensors);
    // Member names that a zip cannot hold twice (duplicates) may fail to
    // write; what is written must read back the same.
    if (!written.ok()) return 0;
    absl::StatusOr<DumpStep> again = ParseNpz("g", *written);
    Check(again.ok() && SameTensors(step->tensors, again->tensors));
  }
  return 0;
}
