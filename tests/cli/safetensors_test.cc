#include "cli/dump/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/io/file_io.h"

namespace gradcodec::cli {
namespace {

using ::testing::HasSubstr;

// A safetensors file from a header text and data bytes.
std::vector<uint8_t> File(const std::string& header,
                          const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(8 + header.size());
  const uint64_t size = header.size();
  std::memcpy(out.data(), &size, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> Floats(std::initializer_list<float> values) {
  std::vector<uint8_t> out(4 * values.size());
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

std::string ErrorOf(const std::vector<uint8_t>& file) {
  absl::StatusOr<DumpStep> step = ParseSafetensors("g.safetensors", file);
  EXPECT_FALSE(step.ok());
  EXPECT_EQ(step.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(step.status().message());
}

TEST(SafetensorsTest, ReadsTensorsInDataOrder) {
  const std::string header =
      R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
      R"("a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},)"
      R"("__metadata__":{"format":"pt"}})";
  absl::StatusOr<DumpStep> step =
      ParseSafetensors("g.safetensors", File(header, Floats({1, 2, 3, 4})));
  ASSERT_TRUE(step.ok()) << step.status();
  ASSERT_EQ(step->tensors.size(), 2u);
  EXPECT_EQ(step->tensors[0].name, "a");
  EXPECT_EQ(step->tensors[0].shape, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(step->tensors[0].values, (std::vector<float>{1, 2}));
  EXPECT_EQ(step->tensors[1].name, "b");
  EXPECT_EQ(step->tensors[1].values, (std::vector<float>{3, 4}));
}

TEST(SafetensorsTest, ReadsHalfAndBFloat16AndSkipsIntegers) {
  // 1.0 as F16 is 0x3C00, as BF16 0x3F80.
  const std::string header =
      R"({"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},)"
      R"("b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]},)"
      R"("steps":{"dtype":"I64","shape":[],"data_offsets":[4,12]}})";
  std::vector<uint8_t> data = {0x00, 0x3C, 0x80, 0x3F, 7, 0, 0, 0, 0, 0, 0, 0};
  absl::StatusOr<DumpStep> step = ParseSafetensors("g.safetensors", File(header, data));
  ASSERT_TRUE(step.ok()) << step.status();
  ASSERT_EQ(step->tensors.size(), 2u);
  EXPECT_EQ(step->tensors[0].dtype, DType::kFloat16);
  EXPECT_EQ(step->tensors[0].values, (std::vector<float>{1.0f}));
  EXPECT_EQ(step->tensors[1].dtype, DType::kBFloat16);
  EXPECT_EQ(step->tensors[1].values, (std::vector<float>{1.0f}));
  ASSERT_EQ(step->notes.size(), 1u);
  EXPECT_THAT(step->notes[0], HasSubstr("'steps'"));
  EXPECT_THAT(step->notes[0], HasSubstr("I64"));
}

TEST(SafetensorsTest, RoundTripsThroughTheWriter) {
  std::vector<DumpTensor> tensors = {
      {"w", {2, 3}, DType::kFloat32, {1, -2, 3.5f, 0, -0.0f, 1e-30f}},
      {"h", {2}, DType::kFloat16, {0.5f, -65504.0f}},
      {"b", {}, DType::kBFloat16, {-3.0f}},
      {"empty", {0, 4}, DType::kFloat32, {}},
  };
  const std::vector<uint8_t> file = SerializeSafetensors(tensors);
  uint64_t header_size;
  std::memcpy(&header_size, file.data(), 8);
  EXPECT_EQ((8 + header_size) % 8, 0u);  // data 8-aligned
  absl::StatusOr<DumpStep> step = ParseSafetensors("x", file);
  ASSERT_TRUE(step.ok()) << step.status();
  ASSERT_EQ(step->tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(step->tensors[i].name, tensors[i].name);
    EXPECT_EQ(step->tensors[i].shape, tensors[i].shape);
    EXPECT_EQ(step->tensors[i].dtype, tensors[i].dtype);
    ASSERT_EQ(step->tensors[i].values.size(), tensors[i].values.size());
    for (size_t j = 0; j < tensors[i].values.size(); ++j) {
      EXPECT_EQ(std::bit_cast<uint32_t>(step->tensors[i].values[j]),
                std::bit_cast<uint32_t>(tensors[i].values[j]));
    }
  }
}

TEST(SafetensorsTest, EveryTruncationIsAnErrorNamingTheFile) {
  const std::string header =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::vector<uint8_t> file = File(header, Floats({1, 2}));
  for (size_t size = 0; size < file.size(); ++size) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + size);
    EXPECT_THAT(ErrorOf(cut), HasSubstr("g.safetensors: ")) << size;
  }
}

// ReadSafetensors reads F32 data that lies end to end straight into the
// flat vector and everything else through its buffer: either way it must
// give what ParseSafetensors gives for the same bytes, errors included.
TEST(SafetensorsTest, ReadingFromTheFileMatchesParsingItsBytes) {
  const std::string end_to_end =
      R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
      R"("a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}})";
  const std::string with_gap =
      R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
  const std::string mixed =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("h":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},)"
      R"("n":{"dtype":"I32","shape":[1],"data_offsets":[12,16]}})";
  const std::filesystem::path path =
      std::filesystem::path(::testing::TempDir()) / "read.safetensors";
  for (const std::string& header : {end_to_end, with_gap, mixed}) {
    const std::vector<uint8_t> file = File(header, Floats({1, -2, 3.5f, 4}));
    for (size_t size = 0; size <= file.size(); ++size) {
      SCOPED_TRACE(::testing::Message() << header << " cut to " << size);
      const std::vector<uint8_t> cut(file.begin(), file.begin() + size);
      ASSERT_TRUE(WriteFileAtomically(path, cut).ok());
      DumpStep parsed, read;
      std::vector<float> parsed_flat, read_flat;
      std::vector<uint8_t> buffer;
      const absl::Status want =
          ParseSafetensors(path.string(), cut, &parsed, &parsed_flat);
      const absl::Status got =
          ReadSafetensors(path.string(), &buffer, &read, &read_flat);
      ASSERT_EQ(got, want);
      if (!want.ok()) continue;
      EXPECT_EQ(read_flat, parsed_flat);
      EXPECT_EQ(read.notes, parsed.notes);
      ASSERT_EQ(read.tensors.size(), parsed.tensors.size());
      for (size_t k = 0; k < parsed.tensors.size(); ++k) {
        EXPECT_EQ(read.tensors[k].name, parsed.tensors[k].name);
        EXPECT_EQ(read.tensors[k].shape, parsed.tensors[k].shape);
        EXPECT_EQ(read.tensors[k].dtype, parsed.tensors[k].dtype);
        EXPECT_TRUE(read.tensors[k].values.empty());
      }
    }
  }
  DumpStep step;
  std::vector<float> flat;
  std::vector<uint8_t> buffer;
  EXPECT_EQ(ReadSafetensors((path.parent_path() / "absent.safetensors").string(),
                            &buffer, &step, &flat)
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(SafetensorsTest, HeaderLengthBeyondTheFile) {
  std::vector<uint8_t> file = File("{}", {});
  file[0] = 200;
  EXPECT_THAT(ErrorOf(file), HasSubstr("header length 200 reaches past the end"));
  file[7] = 0x80;  // 2^63 + 200
  EXPECT_THAT(ErrorOf(file), HasSubstr("reaches past the end"));
}

TEST(SafetensorsTest, MalformedJson) {
  EXPECT_THAT(ErrorOf(File(R"({"a": {"dtype": "F32",)", {})),
              HasSubstr("JSON header is malformed"));
  EXPECT_THAT(ErrorOf(File("[1, 2]", {})), HasSubstr("not an object"));
  EXPECT_THAT(ErrorOf(File(R"({"a": 3})", {})), HasSubstr("tensor 'a'"));
  EXPECT_THAT(
      ErrorOf(File(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", {})),
      HasSubstr("`shape` holds -1"));
  EXPECT_THAT(ErrorOf(File(R"({"a":{"dtype":"F32","shape":[1]}})", {})),
              HasSubstr("`data_offsets`"));
}

TEST(SafetensorsTest, OffsetsOutOfRangeOrOverlapping) {
  EXPECT_THAT(
      ErrorOf(File(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}})",
                   Floats({1, 2}))),
      HasSubstr("[0, 12] are out of range: the data holds 8 bytes"));
  EXPECT_THAT(
      ErrorOf(File(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})",
                   Floats({1, 2}))),
      HasSubstr("out of range"));
  EXPECT_THAT(
      ErrorOf(File(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                   Floats({1, 2}))),
      HasSubstr("span 8 bytes; F32 of shape [3] needs 12"));
  EXPECT_THAT(
      ErrorOf(File(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                   Floats({1, 2, 3}))),
      HasSubstr("tensors 'a' [0, 8) and 'b' [4, 12) overlap"));
}

TEST(SafetensorsTest, UnsupportedDtype) {
  EXPECT_THAT(
      ErrorOf(File(R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})",
                   Floats({1, 2}))),
      HasSubstr("tensor 'a': unsupported `dtype` \"F64\""));
  EXPECT_THAT(
      ErrorOf(File(R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,8]}})",
                   Floats({1, 2}))),
      HasSubstr("\"Q4\""));
}

TEST(SafetensorsTest, ShapeOverflowIsAnError) {
  EXPECT_THAT(
      ErrorOf(File(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],)"
                   R"("data_offsets":[0,8]}})",
                   Floats({1, 2}))),
      HasSubstr("overflows"));
}

}  // namespace
}  // namespace gradcodec::cli
