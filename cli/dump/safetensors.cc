#include "cli/dump/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/dump/tensor_bytes.h"
#include "cli/io/file_io.h"
#include "gradcodec/limits.h"

namespace gradcodec::cli {
namespace {

using nlohmann::json;

// The safetensors library's own bound on the JSON header.
constexpr uint64_t kMaxHeaderSize = uint64_t{100} << 20;

absl::Status Bad(const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

bool IsSkippedDType(const std::string& dtype) {
  static constexpr const char* kNonFloat[] = {"BOOL", "U8",  "I8",  "U16",
                                              "I16",  "U32", "I32", "U64",
                                              "I64"};
  return std::any_of(std::begin(kNonFloat), std::end(kNonFloat),
                     [&](const char* d) { return dtype == d; });
}

bool ReadDType(const std::string& dtype, DType* out) {
  if (dtype == "F32") *out = DType::kFloat32;
  else if (dtype == "F16") *out = DType::kFloat16;
  else if (dtype == "BF16") *out = DType::kBFloat16;
  else return false;
  return true;
}

struct Entry {
  std::string name;
  std::string dtype_name;
  std::vector<uint64_t> shape;
  uint64_t begin = 0, end = 0;
};

// One header entry, every field checked against the data size.
absl::Status ReadEntry(const std::string& path, const std::string& name,
                       const json& value, uint64_t data_size, Entry* entry) {
  const std::string where = absl::StrCat("tensor '", name, "'");
  if (!value.is_object()) {
    return Bad(path, absl::StrCat(where, ": the header entry is not an object"));
  }
  const auto dtype = value.find("dtype");
  const auto shape = value.find("shape");
  const auto offsets = value.find("data_offsets");
  if (dtype == value.end() || !dtype->is_string()) {
    return Bad(path, absl::StrCat(where, ": `dtype` is missing or not a string"));
  }
  if (shape == value.end() || !shape->is_array()) {
    return Bad(path, absl::StrCat(where, ": `shape` is missing or not an array"));
  }
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned()) {
    return Bad(path, absl::StrCat(where,
                                  ": `data_offsets` is not a pair of "
                                  "non-negative integers: ",
                                  offsets == value.end() ? "missing"
                                                         : offsets->dump()));
  }
  entry->name = name;
  entry->dtype_name = dtype->get<std::string>();
  if (shape->size() > kMaxTensorRank) {
    return Bad(path, absl::StrCat(where, ": `shape` has ", shape->size(),
                                  " dimensions; at most ", kMaxTensorRank,
                                  " are supported"));
  }
  uint64_t elements = 1;
  for (const json& d : *shape) {
    if (!d.is_number_unsigned()) {
      return Bad(path, absl::StrCat(where, ": `shape` holds ", d.dump(),
                                    ", not a non-negative integer"));
    }
    const auto dim = d.get<uint64_t>();
    if (dim != 0 && elements > std::numeric_limits<uint64_t>::max() / 8 / dim) {
      return Bad(path, absl::StrCat(where, ": `shape` ", shape->dump(),
                                    " overflows"));
    }
    elements *= dim;
    entry->shape.push_back(dim);
  }
  entry->begin = (*offsets)[0].get<uint64_t>();
  entry->end = (*offsets)[1].get<uint64_t>();
  if (entry->begin > entry->end || entry->end > data_size) {
    return Bad(path, absl::StrCat(where, ": `data_offsets` [", entry->begin,
                                  ", ", entry->end,
                                  "] are out of range: the data holds ",
                                  data_size, " bytes"));
  }
  DType known;
  if (ReadDType(entry->dtype_name, &known)) {
    const uint64_t expected = elements * DTypeSize(known);
    if (entry->end - entry->begin != expected) {
      return Bad(path, absl::StrCat(where, ": `data_offsets` [", entry->begin,
                                    ", ", entry->end, "] span ",
                                    entry->end - entry->begin, " bytes; ",
                                    entry->dtype_name, " of shape ",
                                    shape->dump(), " needs ", expected));
    }
  } else if (!IsSkippedDType(entry->dtype_name)) {
    return Bad(path, absl::StrCat(where, ": unsupported `dtype` \"",
                                  entry->dtype_name,
                                  "\" (F32, F16 and BF16 are read; integer "
                                  "and boolean tensors are skipped)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DumpStep> ParseSafetensors(const std::string& path,
                                          absl::Span<const uint8_t> file) {
  DumpStep step;
  if (absl::Status s = ParseSafetensors(path, file, &step); !s.ok()) return s;
  return step;
}

namespace {

// A checked header: the entries in data order, and where the data starts.
struct Header {
  uint64_t data_start = 0;
  uint64_t data_size = 0;
  std::vector<Entry> entries;
};

// Parses the header of a file of `file_size` bytes that starts with
// `prefix` (at least the length field and the header it announces, or the
// whole file when that is shorter), checking every entry against the data.
absl::Status ParseHeader(const std::string& path,
                         absl::Span<const uint8_t> prefix, uint64_t file_size,
                         Header* out) {
  if (file_size < 8) {
    return Bad(path, absl::StrCat("truncated: ", file_size,
                                  " bytes, but a safetensors file starts with "
                                  "an 8-byte header length"));
  }
  uint64_t header_size;
  std::memcpy(&header_size, prefix.data(), 8);
  if (header_size > file_size - 8) {
    return Bad(path, absl::StrCat("the header length ", header_size,
                                  " reaches past the end of the file (",
                                  file_size, " bytes)"));
  }
  if (header_size > kMaxHeaderSize) {
    return Bad(path, absl::StrCat("the header length ", header_size,
                                  " exceeds the safetensors limit of ",
                                  kMaxHeaderSize, " bytes"));
  }
  const auto* header_begin = reinterpret_cast<const char*>(prefix.data() + 8);
  json header;
  try {
    header = json::parse(header_begin, header_begin + header_size);
  } catch (const json::exception& e) {
    return Bad(path, absl::StrCat("the JSON header is malformed: ", e.what()));
  }
  if (!header.is_object()) {
    return Bad(path, "the JSON header is not an object");
  }
  out->data_start = 8 + header_size;
  out->data_size = file_size - out->data_start;

  std::vector<Entry>& entries = out->entries;
  entries.clear();
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") continue;
    if (name.empty()) return Bad(path, "a tensor has an empty name");
    Entry entry;
    if (absl::Status s = ReadEntry(path, name, value, out->data_size, &entry);
        !s.ok()) {
      return s;
    }
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].begin < entries[i - 1].end) {
      return Bad(path, absl::StrCat("tensors '", entries[i - 1].name, "' [",
                                    entries[i - 1].begin, ", ",
                                    entries[i - 1].end, ") and '",
                                    entries[i].name, "' [", entries[i].begin,
                                    ", ", entries[i].end,
                                    ") overlap in the data"));
    }
  }
  return absl::OkStatus();
}

// Fills `step` (and `flat`) from a checked header and the file's `data`.
// A null `data` means the values are in `flat` already.
void FillStep(const std::string& path, const Header& header,
              const uint8_t* data, DumpStep* step, std::vector<float>* flat) {
  step->path = path;
  step->notes.clear();
  if (flat != nullptr) {
    uint64_t total = 0;
    for (const Entry& entry : header.entries) {
      DType dtype;
      if (ReadDType(entry.dtype_name, &dtype)) {
        total += (entry.end - entry.begin) / DTypeSize(dtype);
      }
    }
    flat->resize(total);
  }
  uint64_t flat_at = 0;
  size_t count = 0;
  for (const Entry& entry : header.entries) {
    DType dtype;
    if (!ReadDType(entry.dtype_name, &dtype)) {
      step->notes.push_back(absl::StrCat("skipped tensor '", entry.name, "' (",
                                         entry.dtype_name,
                                         ": not a floating-point tensor)"));
      continue;
    }
    if (step->tensors.size() <= count) step->tensors.emplace_back();
    DumpTensor& tensor = step->tensors[count++];
    tensor.name = entry.name;
    tensor.shape = entry.shape;
    tensor.dtype = dtype;
    const uint64_t elements = tensor.element_count();
    float* out = flat != nullptr ? flat->data() + flat_at : nullptr;
    if (out == nullptr) {
      tensor.values.resize(elements);
      out = tensor.values.data();
    } else {
      tensor.values.clear();
      flat_at += elements;
    }
    if (data != nullptr) {
      DecodeElements(data + entry.begin, elements, dtype,
                     /*big_endian=*/false, out);
    }
  }
  step->tensors.resize(count);
}

// Whether the data is exactly the flat vector: F32 tensors only, end to
// end from the start of the data, in a little-endian process.
bool DataIsFlatF32(const Header& header) {
  if (std::endian::native != std::endian::little) return false;
  uint64_t at = 0;
  for (const Entry& entry : header.entries) {
    if (entry.dtype_name != "F32" || entry.begin != at) return false;
    at = entry.end;
  }
  return true;
}

}  // namespace

absl::Status ParseSafetensors(const std::string& path,
                              absl::Span<const uint8_t> file, DumpStep* step,
                              std::vector<float>* flat) {
  Header header;
  if (absl::Status s = ParseHeader(path, file, file.size(), &header); !s.ok()) {
    return s;
  }
  FillStep(path, header, file.data() + header.data_start, step, flat);
  return absl::OkStatus();
}

absl::Status ReadSafetensors(const std::string& path,
                             std::vector<uint8_t>* bytes, DumpStep* step,
                             std::vector<float>* flat) {
  absl::StatusOr<ReadOnlyFile> file = ReadOnlyFile::Open(path);
  if (!file.ok()) return file.status();
  const uint64_t size = file->size();
  // The length field, then the header it announces. Anything odd about
  // them is left to ParseSafetensors on the whole file, which says what.
  uint64_t header_size = 0;
  if (size >= 8) {
    bytes->resize(8);
    if (absl::Status s = file->ReadAt(0, absl::MakeSpan(*bytes)); !s.ok()) {
      return s;
    }
    std::memcpy(&header_size, bytes->data(), 8);
  }
  if (size < 8 || header_size > size - 8 || header_size > kMaxHeaderSize) {
    bytes->resize(size);
    if (absl::Status s = file->ReadAt(0, absl::MakeSpan(*bytes)); !s.ok()) {
      return s;
    }
    return ParseSafetensors(path, *bytes, step, flat);
  }
  const uint64_t data_start = 8 + header_size;
  bytes->resize(data_start);
  if (absl::Status s =
          file->ReadAt(8, absl::MakeSpan(*bytes).subspan(8, header_size));
      !s.ok()) {
    return s;
  }
  Header header;
  if (absl::Status s = ParseHeader(path, *bytes, size, &header); !s.ok()) {
    return s;
  }
  if (flat != nullptr && DataIsFlatF32(header)) {
    FillStep(path, header, nullptr, step, flat);
    return file->ReadAt(
        data_start,
        absl::MakeSpan(reinterpret_cast<uint8_t*>(flat->data()),
                       flat->size() * sizeof(float)));
  }
  bytes->resize(size);
  if (absl::Status s = file->ReadAt(
          data_start, absl::MakeSpan(*bytes).subspan(data_start));
      !s.ok()) {
    return s;
  }
  FillStep(path, header, bytes->data() + data_start, step, flat);
  return absl::OkStatus();
}

std::vector<uint8_t> SerializeSafetensors(
    const std::vector<DumpTensor>& tensors) {
  json header = json::object();
  uint64_t offset = 0;
  for (const DumpTensor& tensor : tensors) {
    const uint64_t size = tensor.values.size() * DTypeSize(tensor.dtype);
    header[tensor.name] = {{"dtype", DTypeName(tensor.dtype)},
                           {"shape", tensor.shape},
                           {"data_offsets", {offset, offset + size}}};
    offset += size;
  }
  header["__metadata__"] = {{"producer", "gradcodec"}};
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-aligned
  const uint64_t header_size = text.size();
  std::vector<uint8_t> out;
  out.reserve(8 + header_size + offset);
  out.resize(8 + header_size);
  std::memcpy(out.data(), &header_size, 8);
  std::memcpy(out.data() + 8, text.data(), header_size);
  for (const DumpTensor& tensor : tensors) {
    AppendElements(tensor.values, tensor.dtype, &out);
  }
  return out;
}

}  // namespace gradcodec::cli
