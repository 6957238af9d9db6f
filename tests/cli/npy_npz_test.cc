#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zip.h>

#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/dump/npy.h"
#include "cli/dump/npz.h"

namespace gradcodec::cli {
namespace {

using ::testing::HasSubstr;

// An .npy file of version `major` from a header dict and raw data.
std::vector<uint8_t> Npy(const std::string& dict, const std::vector<uint8_t>& data,
                         int major = 1) {
  std::string header = dict;
  const size_t preamble = major == 1 ? 10 : 12;
  header.append((64 - (preamble + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y',
                              static_cast<uint8_t>(major), 0};
  const auto size = static_cast<uint32_t>(header.size());
  for (size_t i = 0; i < preamble - 8; ++i) {
    out.push_back(static_cast<uint8_t>(size >> (8 * i)));
  }
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> FloatBytes(const std::vector<float>& values, bool big_endian) {
  std::vector<uint8_t> out;
  for (float v : values) {
    uint32_t bits = std::bit_cast<uint32_t>(v);
    if (big_endian) bits = __builtin_bswap32(bits);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  }
  return out;
}

absl::StatusOr<DumpTensor> Parse(const std::vector<uint8_t>& file) {
  DumpTensor tensor;
  std::string note;
  absl::StatusOr<NpyContent> content = ParseNpy("x.npy", file, &tensor, &note);
  if (!content.ok()) return content.status();
  if (*content == NpyContent::kSkipped) return absl::NotFoundError(note);
  return tensor;
}

TEST(NpyTest, ReadsLittleAndBigEndianFloat32) {
  for (bool big : {false, true}) {
    const std::string dict = absl::StrCat(
        "{'descr': '", big ? ">" : "<", "f4', 'fortran_order': False, 'shape': (2, 3), }");
    absl::StatusOr<DumpTensor> t =
        Parse(Npy(dict, FloatBytes({1, 2, 3, 4, 5, 6}, big)));
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->shape, (std::vector<uint64_t>{2, 3}));
    EXPECT_EQ(t->dtype, DType::kFloat32);
    EXPECT_EQ(t->values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  }
}

TEST(NpyTest, ReadsFloat16BothByteOrders) {
  // 1.0 = 0x3C00, -2.0 = 0xC000.
  absl::StatusOr<DumpTensor> little = Parse(Npy(
      "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", {0x00, 0x3C, 0x00, 0xC0}));
  ASSERT_TRUE(little.ok()) << little.status();
  EXPECT_EQ(little->dtype, DType::kFloat16);
  EXPECT_EQ(little->values, (std::vector<float>{1, -2}));
  absl::StatusOr<DumpTensor> big = Parse(Npy(
      "{'descr': '>f2', 'fortran_order': False, 'shape': (2,), }", {0x3C, 0x00, 0xC0, 0x00}));
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ(big->values, (std::vector<float>{1, -2}));
}

TEST(NpyTest, FortranOrderIsTransposedToCOrder) {
  // The 2x3 matrix [[1,2,3],[4,5,6]] in column-major order.
  absl::StatusOr<DumpTensor> t = Parse(
      Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
          FloatBytes({1, 4, 2, 5, 3, 6}, false)));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  // Three dimensions, 2x2x2: element (i, j, k) at i + 2 j + 4 k.
  std::vector<float> fortran(8);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k) fortran[i + 2 * j + 4 * k] = 100 * i + 10 * j + k;
  absl::StatusOr<DumpTensor> cube = Parse(
      Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2, 2), }",
          FloatBytes(fortran, false)));
  ASSERT_TRUE(cube.ok()) << cube.status();
  EXPECT_EQ(cube->values, (std::vector<float>{0, 1, 10, 11, 100, 101, 110, 111}));
}

TEST(NpyTest, Version2HeaderAndScalars) {
  absl::StatusOr<DumpTensor> t = Parse(
      Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
          FloatBytes({7}, false), /*major=*/2));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->shape.empty());
  EXPECT_EQ(t->values, (std::vector<float>{7}));
}

TEST(NpyTest, IntegerArraysAreSkippedOtherDtypesRejected) {
  absl::StatusOr<DumpTensor> ints = Parse(
      Npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
          std::vector<uint8_t>(8, 0)));
  EXPECT_EQ(ints.status().code(), absl::StatusCode::kNotFound);  // skipped
  EXPECT_THAT(ints.status().message(), HasSubstr("'<i8'"));
  absl::StatusOr<DumpTensor> f8 = Parse(
      Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
          std::vector<uint8_t>(8, 0)));
  EXPECT_EQ(f8.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(f8.status().message(), HasSubstr("x.npy: unsupported `descr` '<f8'"));
}

TEST(NpyTest, MalformedHeadersAndSizes) {
  const auto data = FloatBytes({1, 2}, false);
  for (const char* dict :
       {"{'descr': '<f4', 'fortran_order': False}",
        "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
        "['descr']", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)"}) {
    absl::StatusOr<DumpTensor> t = Parse(Npy(dict, data));
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << dict;
    EXPECT_THAT(t.status().message(), HasSubstr("x.npy: ")) << dict;
  }
  absl::StatusOr<DumpTensor> short_data =
      Parse(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data));
  EXPECT_THAT(short_data.status().message(),
              HasSubstr("truncated: the data holds 8 bytes"));
  std::vector<uint8_t> file =
      Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data);
  for (size_t size = 0; size < file.size(); ++size) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + size);
    EXPECT_FALSE(Parse(cut).ok()) << size;
  }
  file[0] = 'X';
  EXPECT_THAT(Parse(file).status().message(), HasSubstr("no \\x93NUMPY magic"));
}

TEST(NpyTest, WriterRoundTrips) {
  DumpTensor tensor{"t", {3, 2}, DType::kFloat16, {1, 2, 3, 4, 5, -6}};
  absl::StatusOr<DumpTensor> back = Parse(SerializeNpy(tensor));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->shape, tensor.shape);
  EXPECT_EQ(back->dtype, DType::kFloat16);
  EXPECT_EQ(back->values, tensor.values);
  DumpTensor vector{"v", {3}, DType::kBFloat16, {1, 2, 3}};
  back = Parse(SerializeNpy(vector));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->dtype, DType::kFloat32);  // NumPy has no bfloat16
  EXPECT_EQ(back->shape, (std::vector<uint64_t>{3}));
}

// A zip of members written with libzip, stored or deflated.
std::vector<uint8_t> Zip(const std::vector<std::pair<std::string, std::vector<uint8_t>>>& members,
                         bool deflate) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* target = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_t* archive = zip_open_from_source(target, ZIP_TRUNCATE, &error);
  zip_source_keep(target);
  for (const auto& [name, bytes] : members) {
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    const zip_int64_t index = zip_file_add(archive, name.c_str(), source, 0);
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index),
                             deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  }
  zip_close(archive);
  zip_source_open(target);
  zip_source_seek(target, 0, SEEK_END);
  const zip_int64_t size = zip_source_tell(target);
  zip_source_seek(target, 0, SEEK_SET);
  std::vector<uint8_t> out(static_cast<size_t>(size));
  zip_source_read(target, out.data(), out.size());
  zip_source_close(target);
  zip_source_free(target);
  zip_error_fini(&error);
  return out;
}

TEST(NpzTest, ReadsStoredAndDeflatedArchives) {
  const auto a = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                     FloatBytes({1, 2}, false));
  const auto b = Npy("{'descr': '>f4', 'fortran_order': True, 'shape': (2, 2), }",
                     FloatBytes({1, 3, 2, 4}, true));
  const auto ints = Npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }",
                        std::vector<uint8_t>(4, 0));
  for (bool deflate : {false, true}) {
    absl::StatusOr<DumpStep> step = ParseNpz(
        "s.npz", Zip({{"fc.bias.npy", a}, {"fc.weight.npy", b}, {"count.npy", ints}},
                     deflate));
    ASSERT_TRUE(step.ok()) << step.status();
    ASSERT_EQ(step->tensors.size(), 2u);
    EXPECT_EQ(step->tensors[0].name, "fc.bias");
    EXPECT_EQ(step->tensors[1].name, "fc.weight");
    EXPECT_EQ(step->tensors[1].values, (std::vector<float>{1, 2, 3, 4}));
    ASSERT_EQ(step->notes.size(), 1u);
    EXPECT_THAT(step->notes[0], HasSubstr("count.npy"));
  }
}

TEST(NpzTest, ErrorsNameTheMember) {
  const auto bad = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                       FloatBytes({1}, false));
  absl::StatusOr<DumpStep> step = ParseNpz("s.npz", Zip({{"w.npy", bad}}, true));
  ASSERT_FALSE(step.ok());
  EXPECT_THAT(step.status().message(), HasSubstr("s.npz: member 'w.npy': truncated"));
  step = ParseNpz("s.npz", Zip({{"notes.txt", {'h', 'i'}}}, false));
  EXPECT_THAT(step.status().message(), HasSubstr("member 'notes.txt' is not an .npy"));
  std::vector<uint8_t> garbage(100, 7);
  EXPECT_THAT(ParseNpz("s.npz", garbage).status().message(),
              HasSubstr("s.npz: not a readable .npz (zip) archive"));
}

TEST(NpzTest, DamagedMembersAndTruncationsAreErrors) {
  const auto a = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (64,), }",
                     FloatBytes(std::vector<float>(64, 1.5f), false));
  const std::vector<uint8_t> file = Zip({{"a.npy", a}}, true);
  for (size_t size = 0; size < file.size(); size += 7) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + size);
    EXPECT_FALSE(ParseNpz("s.npz", cut).ok()) << size;
  }
  // A flipped byte in the deflated data fails inflation or the CRC.
  std::vector<uint8_t> damaged = file;
  damaged[40] ^= 0x55;
  EXPECT_FALSE(ParseNpz("s.npz", damaged).ok());
}

TEST(NpzTest, WriterRoundTrips) {
  std::vector<DumpTensor> tensors = {{"a/b", {2}, DType::kFloat32, {1, 2}},
                                     {"c", {1, 1}, DType::kFloat16, {0.5f}}};
  absl::StatusOr<std::vector<uint8_t>> file = SerializeNpz(tensors);
  ASSERT_TRUE(file.ok()) << file.status();
  absl::StatusOr<DumpStep> step = ParseNpz("x.npz", *file);
  ASSERT_TRUE(step.ok()) << step.status();
  ASSERT_EQ(step->tensors.size(), 2u);
  EXPECT_EQ(step->tensors[0].name, "a/b");
  EXPECT_EQ(step->tensors[0].values, tensors[0].values);
  EXPECT_EQ(step->tensors[1].dtype, DType::kFloat16);
}

}  // namespace
}  // namespace gradcodec::cli
