#include "cli/io/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace gradcodec::cli {
namespace fs = std::filesystem;

absl::Status IoError(const fs::path& path, const std::string& what) {
  const int error = errno;
  const std::string message =
      absl::StrCat(path.string(), ": ", what,
                   error != 0 ? absl::StrCat(": ", std::strerror(error)) : "");
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES || error == EPERM) {
    return absl::PermissionDeniedError(message);
  }
  return absl::UnavailableError(message);
}

absl::StatusOr<std::vector<uint8_t>> ReadFileBytes(const fs::path& path) {
  std::vector<uint8_t> bytes;
  if (absl::Status s = ReadFileBytes(path, &bytes); !s.ok()) return s;
  return bytes;
}

absl::Status ReadFileBytes(const fs::path& path, std::vector<uint8_t>* out) {
  absl::StatusOr<ReadOnlyFile> file = ReadOnlyFile::Open(path);
  if (!file.ok()) return file.status();
  out->resize(static_cast<size_t>(file->size()));
  return file->ReadAt(0, absl::MakeSpan(*out));
}

absl::StatusOr<ReadOnlyFile> ReadOnlyFile::Open(const fs::path& path) {
  errno = 0;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(path, "cannot open");
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    const bool regular = S_ISREG(info.st_mode);
    ::close(fd);
    if (regular) return IoError(path, "cannot stat");
    errno = 0;
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": not a regular file"));
  }
  return ReadOnlyFile(path, fd, static_cast<uint64_t>(info.st_size));
}

ReadOnlyFile::ReadOnlyFile(ReadOnlyFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), size_(other.size_) {
  other.fd_ = -1;
}

ReadOnlyFile::~ReadOnlyFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status ReadOnlyFile::ReadAt(uint64_t offset,
                                  absl::Span<uint8_t> out) const {
  size_t done = 0;
  while (done < out.size()) {
    errno = 0;
    const ssize_t got = ::pread(fd_, out.data() + done, out.size() - done,
                                static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got == 0) errno = 0;
      return IoError(path_, got == 0 ? "the file shrank while being read"
                                     : "read failed");
    }
    done += static_cast<size_t>(got);
  }
  return absl::OkStatus();
}

namespace {

std::string RandomSuffix() {
  std::random_device device;
  return absl::StrCat(device() % 1000000000u);
}

absl::Status WriteAll(const fs::path& path, absl::Span<const uint8_t> bytes) {
  errno = 0;
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(path, "cannot create");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t put = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) {
      absl::Status status = IoError(path, "write failed");
      ::close(fd);
      ::unlink(path.c_str());
      return status;
    }
    done += static_cast<size_t>(put);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    absl::Status status = IoError(path, "cannot flush to disk");
    ::unlink(path.c_str());
    return status;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileAtomically(const fs::path& path,
                                 absl::Span<const uint8_t> bytes) {
  fs::path temporary = path;
  temporary += absl::StrCat(".tmp-", RandomSuffix());
  if (absl::Status s = WriteAll(temporary, bytes); !s.ok()) return s;
  errno = 0;
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    absl::Status status = IoError(path, "cannot rename the finished file into place");
    ::unlink(temporary.c_str());
    return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<StagedFiles> StagedFiles::Create(const fs::path& target) {
  std::error_code error;
  fs::create_directories(target, error);
  if (error || !fs::is_directory(target)) {
    return absl::UnavailableError(absl::StrCat(
        target.string(), ": cannot create the output folder",
        error ? absl::StrCat(": ", error.message()) : ""));
  }
  fs::path staging = target / absl::StrCat(".gradcodec-staging-", RandomSuffix());
  if (!fs::create_directory(staging, error) || error) {
    return absl::UnavailableError(
        absl::StrCat(staging.string(), ": cannot create a staging folder",
                     error ? absl::StrCat(": ", error.message()) : ""));
  }
  return StagedFiles(target, std::move(staging));
}

StagedFiles::StagedFiles(StagedFiles&& other) noexcept
    : target_(std::move(other.target_)),
      staging_(std::move(other.staging_)),
      names_(std::move(other.names_)) {
  other.staging_.clear();
}

StagedFiles::~StagedFiles() {
  if (staging_.empty()) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

absl::Status StagedFiles::Write(const std::string& file_name,
                                absl::Span<const uint8_t> bytes) {
  if (absl::Status s = WriteAll(staging_ / file_name, bytes); !s.ok()) {
    return s;
  }
  names_.push_back(file_name);
  return absl::OkStatus();
}

absl::Status StagedFiles::Commit() {
  for (const std::string& name : names_) {
    errno = 0;
    if (::rename((staging_ / name).c_str(), (target_ / name).c_str()) != 0) {
      return IoError(target_ / name, "cannot move the finished file into place");
    }
  }
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
  staging_.clear();
  return absl::OkStatus();
}

}  // namespace gradcodec::cli
