#include "cli/dump/npy.h"

#include <cctype>
#include <cstring>
#include <limits>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/dump/tensor_bytes.h"
#include "gradcodec/limits.h"

namespace gradcodec::cli {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

absl::Status Bad(const std::string& where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

// The header dict, as far as the format defines it.
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<uint64_t> shape;
};

// A cursor over the header's Python literal. Only what numpy writes is
// accepted: a dict of 'str' keys whose values are 'str', True/False, or a
// tuple of non-negative integers.
class LiteralParser {
 public:
  explicit LiteralParser(absl::string_view text) : text_(text) {}

  absl::Status ParseHeader(NpyHeader* header) {
    bool seen_descr = false, seen_order = false, seen_shape = false;
    SkipSpace();
    if (!Take('{')) return Error("expected '{'");
    while (true) {
      SkipSpace();
      if (Take('}')) break;
      std::string key;
      if (!ParseString(&key)) return Error("expected a quoted key");
      SkipSpace();
      if (!Take(':')) return Error("expected ':'");
      SkipSpace();
      if (key == "descr") {
        if (!ParseString(&header->descr)) {
          return Error("`descr` is not a quoted string");
        }
        seen_descr = true;
      } else if (key == "fortran_order") {
        if (TakeWord("True")) header->fortran_order = true;
        else if (TakeWord("False")) header->fortran_order = false;
        else return Error("`fortran_order` is not True or False");
        seen_order = true;
      } else if (key == "shape") {
        if (absl::Status s = ParseShape(&header->shape); !s.ok()) return s;
        seen_shape = true;
      } else {
        return Error(absl::StrCat("unknown key '", key, "'"));
      }
      SkipSpace();
      if (Take(',')) continue;
      SkipSpace();
      if (Take('}')) break;
      return Error("expected ',' or '}'");
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("text after the closing '}'");
    if (!seen_descr || !seen_order || !seen_shape) {
      return absl::InvalidArgumentError(
          "the header lacks one of 'descr', 'fortran_order', 'shape'");
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed header at byte ", pos_, ": ", what));
  }
  void SkipSpace() {
    while (pos_ < text_.size() &&
           absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }
  bool Take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool TakeWord(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool ParseString(std::string* out) {
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      return false;
    }
    const char quote = text_[pos_];
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == absl::string_view::npos) return false;
    *out = std::string(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return true;
  }
  absl::Status ParseShape(std::vector<uint64_t>* shape) {
    if (!Take('(')) return Error("`shape` is not a tuple");
    while (true) {
      SkipSpace();
      if (Take(')')) return absl::OkStatus();
      const size_t start = pos_;
      while (pos_ < text_.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(text_[pos_]))) {
        ++pos_;
      }
      // numpy may write 3L on Python 2.
      const absl::string_view digits = text_.substr(start, pos_ - start);
      Take('L');
      uint64_t dim;
      if (digits.empty() || !absl::SimpleAtoi(digits, &dim)) {
        return Error("`shape` holds something other than a non-negative "
                     "integer");
      }
      shape->push_back(dim);
      SkipSpace();
      if (Take(',')) continue;
      SkipSpace();
      if (Take(')')) return absl::OkStatus();
      return Error("expected ',' or ')' in `shape`");
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

// C order from Fortran order: element (i_0, ..., i_{k-1}) sits at
// i_0 + d_0 (i_1 + d_1 (...)) in `in`.
std::vector<float> FortranToC(const std::vector<float>& in,
                              const std::vector<uint64_t>& shape) {
  std::vector<float> out(in.size());
  if (in.empty()) return out;
  const size_t rank = shape.size();
  std::vector<uint64_t> stride(rank, 1);  // Fortran strides
  for (size_t k = 1; k < rank; ++k) stride[k] = stride[k - 1] * shape[k - 1];
  std::vector<uint64_t> index(rank, 0);
  uint64_t source = 0;
  for (uint64_t i = 0; i < out.size(); ++i) {
    out[i] = in[source];
    // Advance the C-order counter (last dimension fastest).
    for (size_t k = rank; k-- > 0;) {
      ++index[k];
      source += stride[k];
      if (index[k] < shape[k]) break;
      source -= stride[k] * shape[k];
      index[k] = 0;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<NpyContent> ParseNpy(const std::string& where,
                                    absl::Span<const uint8_t> file,
                                    DumpTensor* tensor,
                                    std::string* skip_note) {
  if (file.size() < kMagicSize + 4 ||
      std::memcmp(file.data(), kMagic, kMagicSize) != 0) {
    return Bad(where, file.size() < kMagicSize + 4
                          ? absl::StrCat("truncated: ", file.size(),
                                         " bytes, shorter than an .npy preamble")
                          : "not an .npy file (no \\x93NUMPY magic)");
  }
  const uint8_t major = file[6];
  uint64_t header_size = 0;
  size_t preamble = 0;
  if (major == 1) {
    header_size = file[8] | (uint64_t{file[9]} << 8);
    preamble = 10;
  } else if (major == 2 || major == 3) {
    if (file.size() < 12) return Bad(where, "truncated inside the preamble");
    header_size = file[8] | (uint64_t{file[9]} << 8) |
                  (uint64_t{file[10]} << 16) | (uint64_t{file[11]} << 24);
    preamble = 12;
  } else {
    return Bad(where, absl::StrCat("unsupported .npy version ", major, ".",
                                   file[7]));
  }
  if (header_size > file.size() - preamble) {
    return Bad(where, absl::StrCat("the header length ", header_size,
                                   " reaches past the end of the file (",
                                   file.size(), " bytes)"));
  }
  const absl::string_view text(
      reinterpret_cast<const char*>(file.data() + preamble), header_size);
  NpyHeader header;
  if (absl::Status s = LiteralParser(text).ParseHeader(&header); !s.ok()) {
    return Bad(where, s.message());
  }
  if (header.shape.size() > kMaxTensorRank) {
    return Bad(where, absl::StrCat("`shape` has ", header.shape.size(),
                                   " dimensions; at most ", kMaxTensorRank,
                                   " are supported"));
  }
  // descr: byte order ('<', '>', '|', '=') then kind and size.
  const std::string& descr = header.descr;
  if (descr.size() < 2) {
    return Bad(where, absl::StrCat("unsupported `descr` '", descr, "'"));
  }
  const char order = descr[0];
  const std::string kind = descr.substr(1);
  DType dtype;
  if (kind == "f4") dtype = DType::kFloat32;
  else if (kind == "f2") dtype = DType::kFloat16;
  else if (std::string("iub").find(kind[0]) != std::string::npos ||
           kind == "?" || kind[0] == 'c') {
    *skip_note = absl::StrCat("skipped ", where, " (`descr` '", descr,
                              "': not a real floating-point array)");
    return NpyContent::kSkipped;
  } else {
    return Bad(where, absl::StrCat("unsupported `descr` '", descr,
                                   "' (float32 '<f4'/'>f4' and float16 "
                                   "'<f2'/'>f2' are read)"));
  }
  if (order != '<' && order != '>' && order != '=' && order != '|') {
    return Bad(where, absl::StrCat("`descr` '", descr,
                                   "' has an unknown byte order"));
  }
  uint64_t elements = 1;
  for (uint64_t d : header.shape) {
    if (d != 0 && elements > std::numeric_limits<uint64_t>::max() / 8 / d) {
      return Bad(where, "`shape` overflows");
    }
    elements *= d;
  }
  const uint64_t data_size = file.size() - preamble - header_size;
  const uint64_t needed = elements * DTypeSize(dtype);
  if (data_size != needed) {
    return Bad(where, absl::StrCat(data_size < needed ? "truncated: " : "",
                                   "the data holds ", data_size,
                                   " bytes; `descr` '", descr, "' and `shape` (",
                                   absl::StrJoin(header.shape, ", "),
                                   ") need ", needed));
  }
  tensor->shape = header.shape;
  tensor->dtype = dtype;
  tensor->values.resize(elements);
  DecodeElements(file.data() + preamble + header_size, elements, dtype,
                 /*big_endian=*/order == '>', tensor->values.data());
  if (header.fortran_order && header.shape.size() > 1) {
    tensor->values = FortranToC(tensor->values, header.shape);
  }
  return NpyContent::kTensor;
}

std::vector<uint8_t> SerializeNpy(const DumpTensor& tensor) {
  const DType dtype =
      tensor.dtype == DType::kFloat16 ? DType::kFloat16 : DType::kFloat32;
  // Python tuple syntax: (), (3,), (3, 4).
  std::string shape = absl::StrJoin(tensor.shape, ", ");
  if (tensor.shape.size() == 1) shape.push_back(',');
  std::string header =
      absl::StrCat("{'descr': '", dtype == DType::kFloat16 ? "<f2" : "<f4",
                   "', 'fortran_order': False, 'shape': (", shape, "), }");
  // Pad with spaces and a newline so the data starts 64-byte aligned.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::vector<uint8_t> out(kMagic, kMagic + kMagicSize);
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<uint8_t>(header.size() & 0xFF));
  out.push_back(static_cast<uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  AppendElements(tensor.values, dtype, &out);
  return out;
}

}  // namespace gradcodec::cli
