// Whole-file reads and all-or-nothing writes for the command-line tool.
//
// Errors are absl statuses whose message starts with the path; their codes
// sort them for the exit status (cli/exit_codes.h): NOT_FOUND and
// PERMISSION_DENIED and UNAVAILABLE are I/O errors, everything else that a
// reader returns is bad input.
#ifndef GRADCODEC_CLI_IO_FILE_IO_H_
#define GRADCODEC_CLI_IO_FILE_IO_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace gradcodec::cli {

// The bytes of a regular file.
absl::StatusOr<std::vector<uint8_t>> ReadFileBytes(
    const std::filesystem::path& path);
// The same into `bytes`, whose capacity is reused (a tool reading one large
// file per step then neither allocates nor zero-fills each time).
absl::Status ReadFileBytes(const std::filesystem::path& path,
                           std::vector<uint8_t>* bytes);

// A regular file open for reading parts of it (a reader that wants the
// bulk of a file in its own buffer reads it there, with no copy between).
class ReadOnlyFile {
 public:
  static absl::StatusOr<ReadOnlyFile> Open(const std::filesystem::path& path);
  ReadOnlyFile(ReadOnlyFile&& other) noexcept;
  ReadOnlyFile& operator=(ReadOnlyFile&&) = delete;
  ~ReadOnlyFile();

  uint64_t size() const { return size_; }
  // Fills `out` from byte `offset` on; an error names the path (and says so
  // when the file has shrunk since Open).
  absl::Status ReadAt(uint64_t offset, absl::Span<uint8_t> out) const;

 private:
  ReadOnlyFile(std::filesystem::path path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}

  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Writes `bytes` to `path` through a temporary file in the same folder that
// is renamed over `path` only once everything is on disk: `path` is either
// untouched or complete.
absl::Status WriteFileAtomically(const std::filesystem::path& path,
                                 absl::Span<const uint8_t> bytes);

// Files that a command writes into a folder, all or none: they go to a
// hidden staging folder beside the target and move in by Commit(). A
// destroyed, uncommitted set removes what it staged.
class StagedFiles {
 public:
  // Creates `target` if needed and the staging folder inside its parent.
  static absl::StatusOr<StagedFiles> Create(
      const std::filesystem::path& target);
  StagedFiles(StagedFiles&& other) noexcept;
  StagedFiles& operator=(StagedFiles&&) = delete;
  ~StagedFiles();

  absl::Status Write(const std::string& file_name,
                     absl::Span<const uint8_t> bytes);
  // Moves every staged file into the target folder (replacing files of the
  // same name) and removes the staging folder.
  absl::Status Commit();

 private:
  StagedFiles(std::filesystem::path target, std::filesystem::path staging)
      : target_(std::move(target)), staging_(std::move(staging)) {}

  std::filesystem::path target_;
  std::filesystem::path staging_;  // empty once committed or moved from
  std::vector<std::string> names_;
};

// IoError(path, what): an UNAVAILABLE status naming the path and errno.
absl::Status IoError(const std::filesystem::path& path, const std::string& what);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_IO_FILE_IO_H_
