#include "cli/dump/npz.h"

#include <zip.h>

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/dump/npy.h"

namespace gradcodec::cli {
namespace {

// A member may not expand beyond this (a zip bomb would otherwise choose
// our allocation); 2^36 bytes is 16G float32 coordinates.
constexpr uint64_t kMaxMemberSize = uint64_t{1} << 36;
constexpr size_t kEndOfCentralDirectorySize = 22;

absl::Status Bad(const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

// A member's bytes, grown as they decompress (so the allocation follows
// the data, not the member's claimed size).
absl::Status ReadMember(const std::string& path, zip_t* archive,
                        zip_uint64_t index, const std::string& name,
                        std::vector<uint8_t>* out) {
  std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive, index, 0));
  if (file == nullptr) {
    return Bad(path, absl::StrCat("member '", name, "' cannot be opened: ",
                                  zip_strerror(archive)));
  }
  out->clear();
  constexpr size_t kChunk = size_t{1} << 20;
  while (true) {
    if (out->size() > kMaxMemberSize) {
      return Bad(path, absl::StrCat("member '", name, "' expands beyond ",
                                    kMaxMemberSize, " bytes"));
    }
    const size_t at = out->size();
    out->resize(at + kChunk);
    const zip_int64_t got = zip_fread(file.get(), out->data() + at, kChunk);
    if (got < 0) {
      return Bad(path, absl::StrCat("member '", name, "' is damaged: ",
                                    zip_file_strerror(file.get())));
    }
    out->resize(at + static_cast<size_t>(got));
    if (got == 0) break;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DumpStep> ParseNpz(const std::string& path,
                                  absl::Span<const uint8_t> file) {
  // libzip opens an empty file as an empty archive; an .npz always has at
  // least its end-of-central-directory record.
  if (file.size() < kEndOfCentralDirectorySize) {
    return Bad(path, absl::StrCat("truncated: ", file.size(),
                                  " bytes, shorter than any zip archive"));
  }
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source =
      zip_source_buffer_create(file.data(), file.size(), 0, &error);
  if (source == nullptr) {
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return absl::ResourceExhaustedError(absl::StrCat(path, ": ", why));
  }
  std::unique_ptr<zip_t, ZipCloser> archive(
      zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error));
  if (archive == nullptr) {
    zip_source_free(source);
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Bad(path, absl::StrCat("not a readable .npz (zip) archive: ", why));
  }
  zip_error_fini(&error);

  DumpStep step;
  step.path = path;
  const zip_int64_t members = zip_get_num_entries(archive.get(), 0);
  std::vector<uint8_t> bytes;
  for (zip_int64_t i = 0; i < members; ++i) {
    const auto index = static_cast<zip_uint64_t>(i);
    const char* raw_name = zip_get_name(archive.get(), index, ZIP_FL_ENC_GUESS);
    const std::string name = raw_name != nullptr ? raw_name : "";
    if (absl::EndsWith(name, "/")) continue;  // a folder entry
    if (!absl::EndsWith(name, ".npy") || name.size() == 4) {
      return Bad(path, absl::StrCat("member '", name,
                                    "' is not an .npy array"));
    }
    if (absl::Status s = ReadMember(path, archive.get(), index, name, &bytes);
        !s.ok()) {
      return s;
    }
    DumpTensor tensor;
    tensor.name = name.substr(0, name.size() - 4);
    std::string note;
    absl::StatusOr<NpyContent> content =
        ParseNpy(absl::StrCat(path, ": member '", name, "'"), bytes, &tensor,
                 &note);
    if (!content.ok()) return content.status();
    if (*content == NpyContent::kSkipped) {
      step.notes.push_back(std::move(note));
      continue;
    }
    step.tensors.push_back(std::move(tensor));
  }
  return step;
}

absl::StatusOr<std::vector<uint8_t>> SerializeNpz(
    const std::vector<DumpTensor>& tensors) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* target = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (target == nullptr) {
    zip_error_fini(&error);
    return absl::ResourceExhaustedError("cannot create a zip buffer");
  }
  zip_t* archive = zip_open_from_source(target, ZIP_TRUNCATE, &error);
  zip_error_fini(&error);
  if (archive == nullptr) {
    zip_source_free(target);
    return absl::InternalError("cannot open a zip archive in memory");
  }
  zip_source_keep(target);  // survives zip_close, which writes into it
  // libzip reads member data at zip_close, so it must live until then.
  std::vector<std::vector<uint8_t>> members;
  members.reserve(tensors.size());
  absl::Status status;
  for (const DumpTensor& tensor : tensors) {
    members.push_back(SerializeNpy(tensor));
    zip_source_t* member = zip_source_buffer(
        archive, members.back().data(), members.back().size(), 0);
    const std::string name = tensor.name + ".npy";
    const zip_int64_t index =
        member == nullptr ? -1
                          : zip_file_add(archive, name.c_str(), member,
                                         ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (index < 0) {
      if (member != nullptr) zip_source_free(member);
      status = absl::InternalError(
          absl::StrCat("cannot add '", name, "': ", zip_strerror(archive)));
      break;
    }
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index),
                             ZIP_CM_STORE, 0);
  }
  if (!status.ok() || zip_close(archive) != 0) {
    if (status.ok()) {
      status = absl::InternalError(
          absl::StrCat("cannot finish the archive: ", zip_strerror(archive)));
    }
    zip_discard(archive);
    zip_source_free(target);
    return status;
  }
  std::vector<uint8_t> out;
  if (zip_source_open(target) == 0) {
    zip_source_seek(target, 0, SEEK_END);
    const zip_int64_t size = zip_source_tell(target);
    zip_source_seek(target, 0, SEEK_SET);
    out.resize(static_cast<size_t>(size < 0 ? 0 : size));
    const zip_int64_t got = zip_source_read(target, out.data(), out.size());
    zip_source_close(target);
    if (got != size) out.clear();
  }
  zip_source_free(target);
  if (out.empty()) return absl::InternalError("cannot read the archive back");
  return out;
}

}  // namespace gradcodec::cli
