// Replays every vector of spec/vectors/ against MANIFEST.tsv, and checks
// that the checked-in vectors are exactly what the generator builds today
// and that FORMAT.md's changelog records the vector set's digest.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "format/packet.h"
#include "gradcodec/container.h"
#include "spec/method_vectors.h"
#include "gradcodec/error_code.h"
#include "gtest/gtest.h"
#include "spec/vector_set.h"

namespace gradcodec {
namespace {

const std::filesystem::path kSpecDir =
    std::filesystem::path(GRADCODEC_SOURCE_DIR) / "spec";
const std::filesystem::path kVectorDir = kSpecDir / "vectors";

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<uint8_t> ReadBytes(const std::filesystem::path& path) {
  const std::string text = ReadText(path);
  return std::vector<uint8_t>(text.begin(), text.end());
}

struct ManifestLine {
  std::string path;
  std::string kind;
  std::string expect;
};

std::vector<ManifestLine> ReadManifest() {
  std::vector<ManifestLine> lines;
  for (absl::string_view line :
       absl::StrSplit(ReadText(kVectorDir / "MANIFEST.tsv"), '\n',
                      absl::SkipEmpty())) {
    if (line[0] == '#') continue;
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    EXPECT_EQ(fields.size(), 4u) << line;
    if (fields.size() < 3) continue;
    lines.push_back({fields[0], fields[1], fields[2]});
  }
  return lines;
}

// What a reader makes of a packet, in manifest notation.
std::string PacketResult(absl::Span<const uint8_t> bytes) {
  const absl::StatusOr<internal::ParsedPacket> parsed =
      internal::ParsePacket(bytes);
  if (parsed.ok()) return "ok";
  return std::string(ErrorCodeName(GetErrorCode(parsed.status())));
}

// What a reader makes of a container, in manifest notation.
std::string ContainerResult(absl::Span<const uint8_t> bytes) {
  const absl::StatusOr<ContainerReader> reader = ContainerReader::Open(bytes);
  if (!reader.ok()) {
    return std::string(ErrorCodeName(GetErrorCode(reader.status())));
  }
  size_t valid = 0;
  for (size_t i = 0; i < reader->entries().size(); ++i) {
    if (internal::ParsePacket(reader->packet(i)).ok()) ++valid;
  }
  return absl::StrCat(
      "ok packets=", reader->entries().size(), " valid=", valid,
      " index=", reader->has_index() ? "yes" : "no",
      " stop=", ErrorCodeName(GetErrorCode(reader->stop_reason())));
}

TEST(SpecVectorsTest, EveryVectorGivesItsManifestResult) {
  const std::vector<ManifestLine> manifest = ReadManifest();
  ASSERT_GT(manifest.size(), 200u);
  for (const ManifestLine& line : manifest) {
    const std::vector<uint8_t> bytes = ReadBytes(kVectorDir / line.path);
    std::string result;
    if (line.kind == "packet") {
      result = PacketResult(bytes);
    } else if (line.kind == "container") {
      result = ContainerResult(bytes);
    } else if (line.kind == "byte_stream") {
      result = spec::ByteStreamResult(bytes);
    } else if (line.kind == "bit_stream") {
      result = spec::BitStreamResult(bytes);
    } else if (line.kind == "stream") {
      result = spec::StreamResult(bytes);
    } else {
      ADD_FAILURE() << "unknown kind " << line.kind;
    }
    EXPECT_EQ(result, line.expect) << line.path;
  }
}

TEST(SpecVectorsTest, ManifestCoversEveryErrorTheFormatLayerRaises) {
  std::map<std::string, int> seen;
  for (const ManifestLine& line : ReadManifest()) {
    ++seen[line.expect.substr(0, line.expect.find(' '))];
  }
  for (const char* name :
       {"TRUNCATED", "BAD_MAGIC", "UNSUPPORTED_VERSION", "CHECKSUM_MISMATCH",
        "MALFORMED_VARINT", "INVALID_FIELD", "LIMIT_EXCEEDED",
        "UNKNOWN_CRITICAL_SECTION", "LENGTH_OUT_OF_BOUNDS", "SECTION_ORDER",
        "SECTION_PRESENCE", "TRAILING_BYTES", "CORRUPT_PAYLOAD", "ok"}) {
    EXPECT_GT(seen[name], 0) << "no vector expects " << name;
  }
}

TEST(SpecVectorsTest, CheckedInVectorsMatchTheGenerator) {
  const std::vector<spec::TestVector> vectors = spec::BuildVectorSet();
  EXPECT_EQ(ReadText(kVectorDir / "MANIFEST.tsv"), spec::ManifestText(vectors))
      << "MANIFEST.tsv differs from the generator: run "
         "build/spec/generate_vectors spec/vectors";
  size_t files_on_disk = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(kVectorDir)) {
    if (entry.is_regular_file() && entry.path().filename() != "MANIFEST.tsv") {
      ++files_on_disk;
    }
  }
  EXPECT_EQ(files_on_disk, vectors.size()) << "stray or missing vector files";
  for (const spec::TestVector& vector : vectors) {
    EXPECT_EQ(ReadBytes(kVectorDir / vector.path), vector.bytes)
        << vector.path << " differs from the generator";
  }
}

TEST(SpecVectorsTest, ChangelogRecordsTheVectorSetDigest) {
  const std::string digest = spec::VectorSetDigest(spec::BuildVectorSet());
  const std::string format_md = ReadText(kSpecDir / "FORMAT.md");
  EXPECT_NE(format_md.find(absl::StrCat("vectors-digest: ", digest)),
            std::string::npos)
      << "the vector set changed (digest " << digest
      << ") but spec/FORMAT.md has no changelog entry recording "
         "`vectors-digest: "
      << digest << "`: describe the format change in the changelog";
}

}  // namespace
}  // namespace gradcodec
