// The `gradcodec` binary end to end: on the shared real dumps, what it
// writes must be what the library produces for the same steps, bit for bit;
// on bad input it must fail with a message naming the file and the problem,
// the documented exit status, and no partial output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/commands/codec_settings.h"
#include "cli/dump/dump_reader.h"
#include "cli/dump/safetensors.h"
#include "cli/dump/tensor_bytes.h"
#include "cli/io/file_io.h"
#include "gradcodec/container.h"
#include "gradcodec/encoder.h"
#include "safetensors_reader.h"

namespace gradcodec::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct ToolResult {
  int exit_code = -1;
  std::string out, err;
};

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CliToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           absl::StrCat("cli_tool_", ::testing::UnitTest::GetInstance()
                                         ->current_test_info()
                                         ->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the tool with `args` (already shell-quoted where needed).
  ToolResult Run(const std::string& args) {
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const std::string command = absl::StrCat(GRADCODEC_CLI_BINARY, " ", args,
                                             " >", out.string(), " 2>",
                                             err.string());
    const int status = std::system(command.c_str());
    ToolResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = ReadText(out);
    result.err = ReadText(err);
    return result;
  }

  void WriteBytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }

  fs::path dir_;
};

std::string Shared(const std::string& sub) {
  const std::string grads = testing::SharedGradsDir();
  return grads.empty() ? "" : (fs::path(grads) / sub).string();
}

// What the library produces for `inputs` with default settings: each
// step's packet and reconstruction (narrowed to each tensor's dtype), and
// per tensor, from the dense reconstruction before narrowing, the sums the
// report's relative error and cosine similarity come from.
struct LibraryRun {
  std::vector<std::vector<uint8_t>> packets;
  std::vector<std::vector<DumpTensor>> steps;
  std::vector<double> error_squares, input_squares, output_squares, dot;
};

LibraryRun EncodeWithLibrary(const std::vector<std::string>& inputs) {
  LibraryRun run;
  absl::StatusOr<DumpSource> source = DumpSource::Open(inputs);
  EXPECT_TRUE(source.ok()) << source.status();
  std::unique_ptr<Encoder> encoder;
  for (size_t i = 0; i < source->step_paths().size(); ++i) {
    absl::StatusOr<DumpStep> step = source->ReadStep(i);
    EXPECT_TRUE(step.ok()) << step.status();
    if (encoder == nullptr) {
      encoder = std::move(*Encoder::Create(ToEncoderOptions(
          CodecSettings{}, LayoutOf(step->tensors, CodecSettings{}.block_size))));
    }
    std::vector<float> flat;
    for (const DumpTensor& t : step->tensors) {
      flat.insert(flat.end(), t.values.begin(), t.values.end());
    }
    std::vector<float> delta(flat.size());
    std::vector<uint8_t> packet;
    EXPECT_TRUE(encoder->Encode(flat, &packet, absl::MakeSpan(delta)).ok());
    run.packets.push_back(packet);
    std::vector<DumpTensor> tensors = step->tensors;
    const size_t count = tensors.size();
    for (auto* sums : {&run.error_squares, &run.input_squares,
                       &run.output_squares, &run.dot}) {
      sums->resize(count);
    }
    size_t at = 0;
    for (size_t k = 0; k < count; ++k) {
      for (size_t j = at; j < at + tensors[k].values.size(); ++j) {
        const double d = delta[j], v = flat[j];
        run.error_squares[k] += (d - v) * (d - v);
        run.input_squares[k] += v * v;
        run.output_squares[k] += d * d;
        run.dot[k] += d * v;
      }
      at += tensors[k].values.size();
    }
    at = 0;
    for (DumpTensor& t : tensors) {
      std::copy(delta.begin() + at, delta.begin() + at + t.values.size(),
                t.values.begin());
      at += t.values.size();
      RoundToDType(t.dtype, &t.values);
    }
    run.steps.push_back(std::move(tensors));
  }
  return run;
}

void ExpectSameBits(const std::vector<DumpTensor>& got,
                    const std::vector<DumpTensor>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t k = 0; k < want.size(); ++k) {
    EXPECT_EQ(got[k].name, want[k].name) << what;
    EXPECT_EQ(got[k].shape, want[k].shape) << what;
    EXPECT_EQ(got[k].dtype, want[k].dtype) << what;
    ASSERT_EQ(got[k].values.size(), want[k].values.size()) << what;
    for (size_t i = 0; i < want[k].values.size(); ++i) {
      ASSERT_EQ(std::bit_cast<uint32_t>(got[k].values[i]),
                std::bit_cast<uint32_t>(want[k].values[i]))
          << what << " tensor " << want[k].name << " element " << i;
    }
  }
}

// Compresses `inputs`, checks the file's packets and the decompressed steps
// against the library, bit for bit.
void CheckAgainstLibrary(const std::vector<std::string>& inputs,
                         const fs::path& dir,
                         const std::function<ToolResult(const std::string&)>& run) {
  std::string quoted;
  for (const std::string& input : inputs) absl::StrAppend(&quoted, "'", input, "' ");
  const fs::path gcs = dir / "out.gcs";
  ToolResult compress = run(absl::StrCat("compress ", quoted, "-o ", gcs.string(),
                                         " --json -q"));
  ASSERT_EQ(compress.exit_code, 0) << compress.err;
  const nlohmann::json report = nlohmann::json::parse(compress.out);
  for (const char* key : {"steps", "coordinates", "input_bytes", "output_bytes",
                          "bits_per_coordinate", "relative_error", "tensors"}) {
    EXPECT_TRUE(report.contains(key)) << key;
  }
  const LibraryRun library = EncodeWithLibrary(inputs);
  EXPECT_EQ(report["steps"].get<size_t>(), library.packets.size());
  EXPECT_EQ(report["output_bytes"].get<uint64_t>(), fs::file_size(gcs));
  // The report's distortion figures, which the tool takes from the
  // encoder's compact Delta, against the dense reconstruction's.
  double error_squares = 0, input_squares = 0;
  ASSERT_EQ(report["tensors"].size(), library.dot.size());
  for (size_t k = 0; k < library.dot.size(); ++k) {
    const nlohmann::json& tensor = report["tensors"][k];
    const double relative_error =
        std::sqrt(library.error_squares[k] / library.input_squares[k]);
    const double cosine = library.dot[k] / std::sqrt(library.input_squares[k] *
                                                     library.output_squares[k]);
    EXPECT_NEAR(tensor["relative_error"].get<double>(), relative_error,
                1e-6 * relative_error)
        << tensor["name"];
    EXPECT_NEAR(tensor["cosine_similarity"].get<double>(), cosine, 1e-6)
        << tensor["name"];
    error_squares += library.error_squares[k];
    input_squares += library.input_squares[k];
  }
  EXPECT_NEAR(report["relative_error"].get<double>(),
              std::sqrt(error_squares / input_squares), 1e-6);

  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFileBytes(gcs);
  ASSERT_TRUE(bytes.ok());
  absl::StatusOr<ContainerReader> container = ContainerReader::Open(*bytes);
  ASSERT_TRUE(container.ok()) << container.status();
  ASSERT_EQ(container->entries().size(), library.packets.size());
  for (size_t i = 0; i < library.packets.size(); ++i) {
    const auto packet = container->packet(i);
    ASSERT_EQ(std::vector<uint8_t>(packet.begin(), packet.end()), library.packets[i])
        << "packet " << i;
  }

  const fs::path out = dir / "restored";
  ToolResult decompress =
      run(absl::StrCat("decompress ", gcs.string(), " -o ", out.string(), " -q"));
  ASSERT_EQ(decompress.exit_code, 0) << decompress.err;
  absl::StatusOr<DumpSource> restored = DumpSource::Open({out.string()});
  ASSERT_TRUE(restored.ok()) << restored.status();
  ASSERT_EQ(restored->step_paths().size(), library.steps.size());
  for (size_t i = 0; i < library.steps.size(); ++i) {
    absl::StatusOr<DumpStep> step = restored->ReadStep(i);
    ASSERT_TRUE(step.ok()) << step.status();
    ExpectSameBits(step->tensors, library.steps[i], restored->step_paths()[i]);
  }
  // Files keep the step names of the input.
  EXPECT_EQ(fs::path(restored->step_paths()[0]).stem(),
            fs::path(DumpSource::Open(inputs)->step_paths()[0]).stem());
}

TEST_F(CliToolTest, RealDumpsMatchTheLibraryBitForBit) {
  if (testing::SharedGradsDir().empty()) GTEST_SKIP() << "../shared is absent";
  auto run = [this](const std::string& args) { return Run(args); };
  const std::string npz = Shared("digits_mlp_npz");
  std::vector<std::string> npz_steps, npy_steps;
  for (const auto& entry : fs::directory_iterator(npz)) {
    const std::string path = entry.path().string();
    (entry.path().extension() == ".npz" ? npz_steps : npy_steps).push_back(path);
  }
  std::sort(npz_steps.begin(), npz_steps.end());
  const std::vector<std::vector<std::string>> cases = {
      {Shared("digits_mlp_f32")}, {Shared("digits_mlp_bf16")},
      {Shared("digits_mlp_f16")}, npz_steps, npy_steps};
  for (size_t c = 0; c < cases.size(); ++c) {
    SCOPED_TRACE(cases[c][0]);
    const fs::path dir = dir_ / absl::StrCat("case", c);
    fs::create_directories(dir);
    CheckAgainstLibrary(cases[c], dir, run);
  }
}

TEST_F(CliToolTest, DecompressFormatsAndStepRanges) {
  if (testing::SharedGradsDir().empty()) GTEST_SKIP() << "../shared is absent";
  const fs::path gcs = dir_ / "f16.gcs";
  ASSERT_EQ(Run(absl::StrCat("compress ", Shared("digits_mlp_f16"), " -o ",
                             gcs.string(), " -q --key-interval 4"))
                .exit_code,
            0);
  // Steps 5..7 (after the key at step 4) as npz and as npy must equal the
  // same steps of a full safetensors decompress.
  ASSERT_EQ(Run(absl::StrCat("decompress ", gcs.string(), " -o ",
                             (dir_ / "all").string(), " -q"))
                .exit_code,
            0);
  ToolResult npz = Run(absl::StrCat("decompress ", gcs.string(), " -o ",
                                    (dir_ / "npz").string(),
                                    " --steps 5:8 --format npz"));
  ASSERT_EQ(npz.exit_code, 0) << npz.err;
  EXPECT_THAT(npz.out, HasSubstr("wrote 3 steps (5 to 7)"));
  ASSERT_EQ(Run(absl::StrCat("decompress ", gcs.string(), " -o ",
                             (dir_ / "npy").string(), " -q --steps 6 --format npy"))
                .exit_code,
            0);
  absl::StatusOr<DumpSource> all = DumpSource::Open({(dir_ / "all").string()});
  absl::StatusOr<DumpSource> part = DumpSource::Open({(dir_ / "npz").string()});
  ASSERT_TRUE(all.ok() && part.ok());
  ASSERT_EQ(part->step_paths().size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    absl::StatusOr<DumpStep> want = all->ReadStep(5 + i);
    absl::StatusOr<DumpStep> got = part->ReadStep(i);
    ASSERT_TRUE(want.ok() && got.ok());
    // npz keeps F16 (NumPy has float16), so the values are identical.
    ExpectSameBits(got->tensors, want->tensors, part->step_paths()[i]);
  }
  size_t npy_files = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "npy")) {
    EXPECT_THAT(entry.path().filename().string(), HasSubstr("step_0006."));
    ++npy_files;
  }
  EXPECT_EQ(npy_files, 6u);  // one per tensor
}

TEST_F(CliToolTest, InspectVerifyAndAnalyze) {
  if (testing::SharedGradsDir().empty()) GTEST_SKIP() << "../shared is absent";
  const fs::path gcs = dir_ / "a.gcs";
  ASSERT_EQ(Run(absl::StrCat("compress ", Shared("digits_mlp_bf16"), " -o ",
                             gcs.string(), " -q"))
                .exit_code,
            0);
  ToolResult inspect = Run(absl::StrCat("inspect ", gcs.string(), " --json"));
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  const nlohmann::json info = nlohmann::json::parse(inspect.out);
  ASSERT_EQ(info["packets"].size(), 12u);
  EXPECT_EQ(info["packets"][0]["kind"], "key");
  EXPECT_EQ(info["packets"][1]["kind"], "delta");
  EXPECT_EQ(info["settings"]["method"], "signxor");
  EXPECT_EQ(info["tensors"].size(), 6u);
  uint64_t sections = 0;
  for (const auto& s : info["packets"][1]["sections"]) sections += s["bytes"].get<uint64_t>();
  EXPECT_GT(sections, 0u);
  EXPECT_LT(sections, info["packets"][1]["bytes"].get<uint64_t>());

  ToolResult verify = Run(absl::StrCat("verify ", gcs.string()));
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("OK, 12 packets"));

  ToolResult analyze = Run(absl::StrCat("analyze ", Shared("digits_mlp_bf16"),
                                        " --json -q --methods block_sign,signxor"));
  ASSERT_EQ(analyze.exit_code, 0) << analyze.err;
  const nlohmann::json table = nlohmann::json::parse(analyze.out);
  std::vector<std::string> labels;
  for (const auto& row : table["rows"]) labels.push_back(row["method"]);
  EXPECT_EQ(labels, (std::vector<std::string>{"block_sign", "signxor", "fp16",
                                              "bf16", "zstd-3 fp32", "signs+zstd"}));
  for (const auto& row : table["rows"]) {
    EXPECT_GT(row["bits_per_coordinate"].get<double>(), 0) << row["method"];
    EXPECT_GE(row["cosine_similarity"].get<double>(), 0) << row["method"];
  }
  // bf16 input: the bf16 cast loses nothing, zstd-3 is lossless.
  EXPECT_EQ(table["rows"][3]["relative_error"].get<double>(), 0);
  EXPECT_EQ(table["rows"][4]["relative_error"].get<double>(), 0);
  // Text output carries the same table.
  ToolResult text = Run(absl::StrCat("analyze ", Shared("digits_mlp_bf16"), " -q"));
  EXPECT_THAT(text.out, HasSubstr("signs+zstd"));
  EXPECT_THAT(text.out, HasSubstr("scaled_sign"));
}

// A small valid step: two F32 tensors.
std::vector<DumpTensor> SmallStep(float scale) {
  std::vector<DumpTensor> tensors = {{"w", {4, 8}, DType::kFloat32, {}},
                                     {"b", {8}, DType::kFloat32, {}}};
  for (DumpTensor& t : tensors) {
    for (uint64_t i = 0; i < t.element_count(); ++i) {
      t.values.push_back(scale * std::sin(static_cast<float>(i) + scale));
    }
  }
  return tensors;
}

TEST_F(CliToolTest, BadSafetensorsNameTheFileAndProblem) {
  const std::vector<uint8_t> good = SerializeSafetensors(SmallStep(1));
  uint64_t header_size;
  std::memcpy(&header_size, good.data(), 8);
  struct Case {
    std::string name;
    std::vector<uint8_t> bytes;
    std::string message;
  };
  std::vector<Case> cases;
  for (size_t cut : {size_t{0}, size_t{5}, size_t{8}, size_t{8 + header_size / 2},
                     size_t{8 + header_size + 3}, good.size() - 1}) {
    cases.push_back({absl::StrCat("cut", cut), {good.begin(), good.begin() + cut}, ""});
  }
  std::vector<uint8_t> long_header = good;
  long_header[3] = 0x10;
  cases.push_back({"long_header", long_header, "reaches past the end of the file"});
  auto with_header = [&](const std::string& json) {
    std::vector<uint8_t> out(8 + json.size());
    const uint64_t size = json.size();
    std::memcpy(out.data(), &size, 8);
    std::memcpy(out.data() + 8, json.data(), json.size());
    out.insert(out.end(), 64, 0);
    return out;
  };
  cases.push_back({"malformed", with_header(R"({"w": {"dtype": )"), "malformed"});
  cases.push_back({"overlap",
                   with_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                               R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})"),
                   "overlap"});
  cases.push_back({"range",
                   with_header(R"({"a":{"dtype":"F32","shape":[40],"data_offsets":[0,160]}})"),
                   "out of range"});
  cases.push_back({"dtype",
                   with_header(R"({"a":{"dtype":"F64","shape":[4],"data_offsets":[0,32]}})"),
                   "unsupported `dtype` \"F64\""});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path file = dir_ / (c.name + ".safetensors");
    WriteBytes(file, c.bytes);
    const fs::path gcs = dir_ / (c.name + ".gcs");
    ToolResult r = Run(absl::StrCat("compress ", file.string(), " -o ", gcs.string()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr(file.string()));
    EXPECT_THAT(r.err, HasSubstr(c.message));
    EXPECT_FALSE(fs::exists(gcs));
  }
}

TEST_F(CliToolTest, NonFiniteValuesNameStepAndTensorAndLeaveNoFile) {
  const fs::path steps = dir_ / "steps";
  fs::create_directories(steps);
  for (int t = 0; t < 4; ++t) {
    std::vector<DumpTensor> tensors = SmallStep(1.0f + t);
    if (t == 2) tensors[1].values[5] = std::nanf("");
    WriteBytes(steps / absl::StrCat("step_", t, ".safetensors"),
               SerializeSafetensors(tensors));
  }
  const fs::path gcs = dir_ / "out.gcs";
  WriteBytes(gcs, {'o', 'l', 'd'});  // an earlier file stays untouched
  ToolResult r = Run(absl::StrCat("compress ", steps.string(), " -o ", gcs.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("step_2.safetensors"));
  EXPECT_THAT(r.err, HasSubstr("tensor 'b' element 5 is nan"));
  EXPECT_EQ(ReadText(gcs), "old");
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr(".tmp")));
  }
  // Infinity, in a lone file, through analyze.
  std::vector<DumpTensor> infinite = SmallStep(1.0f);
  infinite[0].values[31] = -INFINITY;
  const fs::path lone = dir_ / "lone.safetensors";
  WriteBytes(lone, SerializeSafetensors(infinite));
  ToolResult inf = Run(absl::StrCat("analyze ", lone.string(), " -q"));
  EXPECT_EQ(inf.exit_code, 1);
  EXPECT_THAT(inf.err, HasSubstr("lone.safetensors: "));
  EXPECT_THAT(inf.err, HasSubstr("tensor 'w' element 31 is -inf"));
}

TEST_F(CliToolTest, InconsistentStepsNameTheStepAndTensor) {
  const fs::path steps = dir_ / "steps";
  fs::create_directories(steps);
  // Natural order: step_2 comes before step_10, which has another shape.
  WriteBytes(steps / "step_2.safetensors", SerializeSafetensors(SmallStep(1)));
  std::vector<DumpTensor> other = SmallStep(2);
  other[0].shape = {8, 4};
  WriteBytes(steps / "step_10.safetensors", SerializeSafetensors(other));
  WriteBytes(steps / "losses.txt", {'1'});  // not a dump: ignored
  ToolResult r = Run(absl::StrCat("analyze ", steps.string(), " -q"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("step_10.safetensors: tensor 'w' has shape [8, 4] "
                               "where"));
  EXPECT_THAT(r.err, HasSubstr("step_2.safetensors has [4, 8]"));
}

TEST_F(CliToolTest, ShiftedMethodsCompressVerifyDecompressAndAnalyze) {
  if (testing::SharedGradsDir().empty()) GTEST_SKIP() << "../shared is absent";
  // rand_k picks DIANA by itself (error feedback would diverge with it).
  const fs::path gcs = dir_ / "rand_k.gcs";
  ToolResult compress = Run(absl::StrCat(
      "compress ", Shared("digits_mlp_bf16"), " -o ", gcs.string(),
      " -q --method rand_k --k-fraction 0.05 --values bf16 --json"));
  ASSERT_EQ(compress.exit_code, 0) << compress.err;
  ToolResult verify = Run(absl::StrCat("verify ", gcs.string()));
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  ToolResult inspect = Run(absl::StrCat("inspect ", gcs.string(), " --json"));
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  const nlohmann::json info = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(info["settings"]["method"], "rand_k");
  EXPECT_EQ(info["settings"]["shift"], "auto");
  ToolResult out = Run(absl::StrCat("decompress ", gcs.string(), " -o ",
                                    (dir_ / "rand_k_out").string()));
  EXPECT_EQ(out.exit_code, 0) << out.err;
  // A rule the compressor cannot take is a bad-input error naming why.
  ToolResult bad = Run(absl::StrCat("compress ", Shared("digits_mlp_bf16"),
                                    " -o ", (dir_ / "x.gcs").string(),
                                    " -q --method top_k --shift diana"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("unbiased"));

  ToolResult analyze = Run(absl::StrCat(
      "analyze ", Shared("digits_mlp_bf16"),
      " --json -q --methods top_k,rand_k,dither,natural,fp32"));
  ASSERT_EQ(analyze.exit_code, 0) << analyze.err;
  const nlohmann::json table = nlohmann::json::parse(analyze.out);
  std::vector<std::string> labels;
  for (const auto& row : table["rows"]) labels.push_back(row["method"]);
  EXPECT_EQ(labels, (std::vector<std::string>{"top_k", "rand_k", "dither",
                                              "natural", "fp32", "fp16", "bf16",
                                              "zstd-3 fp32", "signs+zstd"}));
  // fp32 with error feedback is lossless.
  EXPECT_EQ(table["rows"][4]["relative_error"].get<double>(), 0);
}

TEST_F(CliToolTest, ShiftFileGivesTheFixedShift) {
  const fs::path steps = dir_ / "steps";
  fs::create_directories(steps);
  for (int t = 0; t < 3; ++t) {
    WriteBytes(steps / absl::StrCat("step_", t, ".safetensors"),
               SerializeSafetensors(SmallStep(1.0f + 0.1f * t)));
  }
  // The shift: the steps' own tensors at another scale, in F16 (the dtype
  // may differ from the steps').
  std::vector<DumpTensor> h = SmallStep(0.5f);
  for (DumpTensor& t : h) t.dtype = DType::kFloat16;
  const fs::path shift = dir_ / "shift.safetensors";
  WriteBytes(shift, SerializeSafetensors(h));
  auto compress = [&](const fs::path& shift_file,
                      const std::string& extra = "") {
    return Run(absl::StrCat("compress ", steps.string(), " -o ",
                            (dir_ / "out.gcs").string(),
                            " -q --method natural --shift fixed --shift-file ",
                            shift_file.string(), extra));
  };
  ToolResult good = compress(shift);
  ASSERT_EQ(good.exit_code, 0) << good.err;
  // The key packet's `fixed_shift` is the file's h, as the library writes
  // it: encode the same steps with that shift and compare the packets.
  absl::StatusOr<DumpStep> read_back = ReadDumpFile(shift.string());
  ASSERT_TRUE(read_back.ok()) << read_back.status();
  CodecSettings settings;
  settings.method = Method::kNatural;
  settings.shift = Shift::kFixed;
  absl::StatusOr<DumpSource> source = DumpSource::Open({steps.string()});
  ASSERT_TRUE(source.ok());
  EncoderOptions options = ToEncoderOptions(
      settings, LayoutOf(source->ReadStep(0)->tensors, settings.block_size));
  for (const DumpTensor& t : read_back->tensors) {
    options.shifted.fixed_shift.insert(options.shifted.fixed_shift.end(),
                                       t.values.begin(), t.values.end());
  }
  auto encoder = std::move(*Encoder::Create(options));
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFileBytes(dir_ / "out.gcs");
  ASSERT_TRUE(bytes.ok());
  absl::StatusOr<ContainerReader> container = ContainerReader::Open(*bytes);
  ASSERT_TRUE(container.ok()) << container.status();
  ASSERT_EQ(container->entries().size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    absl::StatusOr<DumpStep> step = source->ReadStep(i);
    ASSERT_TRUE(step.ok()) << step.status();
    std::vector<float> flat;
    for (const DumpTensor& t : step->tensors) {
      flat.insert(flat.end(), t.values.begin(), t.values.end());
    }
    std::vector<uint8_t> packet;
    ASSERT_TRUE(encoder->Encode(flat, &packet).ok());
    const auto written = container->packet(i);
    EXPECT_EQ(std::vector<uint8_t>(written.begin(), written.end()), packet)
        << "packet " << i;
  }

  struct Bad {
    std::string name;
    std::vector<DumpTensor> tensors;
    std::string message;
  };
  std::vector<Bad> bad;
  bad.push_back({"extra", SmallStep(1), "tensor 'c' is not in"});
  bad.back().tensors.push_back({"c", {2}, DType::kFloat32, {1, 2}});
  bad.push_back({"renamed", SmallStep(1), "tensor 1 is 'bias' where"});
  bad.back().tensors[1].name = "bias";
  bad.push_back({"shape", SmallStep(1), "tensor 'w' has shape [8, 4] where"});
  bad.back().tensors[0].shape = {8, 4};
  bad.push_back({"nan", SmallStep(1), "tensor 'b' element 3 is nan"});
  bad.back().tensors[1].values[3] = std::nanf("");
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.name);
    const fs::path file = dir_ / (b.name + ".safetensors");
    WriteBytes(file, SerializeSafetensors(b.tensors));
    ToolResult r = compress(file);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat(file.string(), ": ")));
    EXPECT_THAT(r.err, HasSubstr(b.message));
  }
  ToolResult missing = compress(dir_ / "nope.safetensors");
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_THAT(missing.err, HasSubstr("nope.safetensors"));
  // The two flags go together.
  ToolResult no_file = Run(absl::StrCat("compress ", steps.string(), " -o ",
                                        (dir_ / "x.gcs").string(),
                                        " --method natural --shift fixed"));
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_THAT(no_file.err, HasSubstr("--shift fixed needs --shift-file"));
  ToolResult no_fixed =
      Run(absl::StrCat("analyze ", steps.string(),
                       " --methods natural --shift-file ", shift.string()));
  EXPECT_EQ(no_fixed.exit_code, 2);
  EXPECT_THAT(no_fixed.err, HasSubstr("--shift-file applies to --shift fixed"));
  EXPECT_THAT(Run("compress --help").out, HasSubstr("--shift-file"));
}

TEST_F(CliToolTest, EmptyFolderMissingFileAndUsageErrors) {
  fs::create_directories(dir_ / "empty");
  ToolResult empty = Run(absl::StrCat("compress ", (dir_ / "empty").string(), " -o x.gcs"));
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_THAT(empty.err, HasSubstr("holds no dump files"));
  ToolResult missing = Run(absl::StrCat("analyze ", (dir_ / "nope.npz").string()));
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_THAT(missing.err, HasSubstr("nope.npz: no such file"));
  ToolResult gcs_missing = Run(absl::StrCat("verify ", (dir_ / "nope.gcs").string()));
  EXPECT_EQ(gcs_missing.exit_code, 3);
  EXPECT_EQ(Run("compress").exit_code, 2);
  EXPECT_EQ(Run("frobnicate").exit_code, 2);
  EXPECT_EQ(Run(absl::StrCat("compress ", (dir_ / "empty").string(),
                             " -o x.gcs --method block_sign --lambda 1"))
                .exit_code,
            2);
  EXPECT_EQ(Run("decompress a.gcs -o out --steps 5:2").exit_code, 2);
  EXPECT_EQ(Run("compress x -o y --momentum 1.5").exit_code, 2);
  for (const char* command : {"compress", "decompress", "inspect", "analyze", "verify"}) {
    ToolResult help = Run(absl::StrCat(command, " --help"));
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_THAT(help.out, HasSubstr("Example:")) << command;
  }
  EXPECT_THAT(Run("--help").out, HasSubstr("Exit status"));
}

TEST_F(CliToolTest, VerifyRejectsEverySpecContainerVector) {
  const fs::path spec = fs::path(GRADCODEC_SOURCE_DIR) / "spec" / "vectors";
  std::ifstream manifest(spec / "MANIFEST.tsv");
  std::string line;
  int checked = 0;
  while (std::getline(manifest, line)) {
    const std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() < 3 || fields[1] != "container") continue;
    SCOPED_TRACE(fields[0]);
    ToolResult r = Run(absl::StrCat("verify ", (spec / fields[0]).string()));
    // Every container vector is damaged, unfinished, or (stream_complete)
    // framed around packets that are not a decodable stream.
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.err, HasSubstr(fields[0]));
    if (fields[2].rfind("ok", 0) != 0) {
      EXPECT_THAT(r.err, HasSubstr(fields[2]));  // the spec's error name
    }
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

TEST_F(CliToolTest, VerifyReportsADamagedPacketWithItsOffset) {
  const fs::path steps = dir_ / "steps";
  fs::create_directories(steps);
  for (int t = 0; t < 3; ++t) {
    WriteBytes(steps / absl::StrCat("step_", t, ".safetensors"),
               SerializeSafetensors(SmallStep(1.0f + t)));
  }
  const fs::path gcs = dir_ / "a.gcs";
  ASSERT_EQ(Run(absl::StrCat("compress ", steps.string(), " -o ", gcs.string(), " -q"))
                .exit_code,
            0);
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFileBytes(gcs);
  absl::StatusOr<ContainerReader> container = ContainerReader::Open(*bytes);
  ASSERT_TRUE(container.ok());
  std::vector<uint8_t> damaged = *bytes;
  damaged[container->entries()[1].packet_offset + 20] ^= 0x04;
  WriteBytes(gcs, damaged);
  ToolResult r = Run(absl::StrCat("verify ", gcs.string()));
  EXPECT_EQ(r.exit_code, 1);
  // (The damage may also make the reader distrust the index and scan, in
  // which case the packet's sequence is unreadable; its number is not.)
  EXPECT_THAT(r.err, HasSubstr("packet 1 "));
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat(
                         "at byte ", container->entries()[1].record_offset)));
  EXPECT_THAT(r.err, HasSubstr("CHECKSUM_MISMATCH"));
  ToolResult json = Run(absl::StrCat("verify ", gcs.string(), " --json"));
  EXPECT_EQ(nlohmann::json::parse(json.out)["problem"]["packet"], 1);
}

}  // namespace
}  // namespace gradcodec::cli
