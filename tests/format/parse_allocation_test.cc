// Holds every parser to the documented allocation bound (limits.h:
// kParseAllocationFactor * input + kParseAllocationSlack bytes at peak),
// over every spec vector and over random damage to them. A parser that
// trusted a count read from input before checking it against the input's
// size would blow far past the bound here.
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include "format/layout_section.h"
#include "format/packet.h"
#include "gradcodec/container.h"
#include "gradcodec/limits.h"
#include "gtest/gtest.h"
#include "spec/vector_set.h"

namespace {

// Live and peak heap bytes while `g_counting` is set. Each block carries its
// size in a 16-byte prefix so that operator delete can subtract it.
bool g_counting = false;
size_t g_live = 0;
size_t g_peak = 0;
constexpr size_t kPrefix = 16;

void* CountedAlloc(size_t size) {
  auto* block = static_cast<unsigned char*>(std::malloc(size + kPrefix));
  if (block == nullptr) throw std::bad_alloc();
  *reinterpret_cast<size_t*>(block) = size;
  if (g_counting) {
    g_live += size;
    if (g_live > g_peak) g_peak = g_live;
  }
  return block + kPrefix;
}

void CountedFree(void* pointer) {
  if (pointer == nullptr) return;
  auto* block = static_cast<unsigned char*>(pointer) - kPrefix;
  const size_t size = *reinterpret_cast<size_t*>(block);
  if (g_counting && g_live >= size) g_live -= size;
  std::free(block);
}

}  // namespace

void* operator new(size_t size) { return CountedAlloc(size); }
void* operator new[](size_t size) { return CountedAlloc(size); }
void operator delete(void* p) noexcept { CountedFree(p); }
void operator delete[](void* p) noexcept { CountedFree(p); }
void operator delete(void* p, size_t) noexcept { CountedFree(p); }
void operator delete[](void* p, size_t) noexcept { CountedFree(p); }

namespace gradcodec {
namespace {

// Peak bytes allocated while `parse` runs (and its result lives).
template <typename Parse>
size_t PeakAllocation(Parse parse) {
  g_live = 0;
  g_peak = 0;
  g_counting = true;
  parse();
  g_counting = false;
  return g_peak;
}

size_t Bound(size_t input_size) {
  return kParseAllocationFactor * input_size + kParseAllocationSlack;
}

void CheckParsers(const std::vector<uint8_t>& bytes, const std::string& what) {
  const size_t packet_peak =
      PeakAllocation([&] { auto parsed = internal::ParsePacket(bytes); });
  EXPECT_LE(packet_peak, Bound(bytes.size())) << what << " as a packet";
  const size_t info_peak =
      PeakAllocation([&] { auto info = ReadPacketInfo(bytes); });
  EXPECT_LE(info_peak, Bound(bytes.size())) << what << " via ReadPacketInfo";
  const size_t container_peak =
      PeakAllocation([&] { auto reader = ContainerReader::Open(bytes); });
  EXPECT_LE(container_peak, Bound(bytes.size())) << what << " as a container";
}

TEST(ParseAllocationTest, CountingWorks) {
  const size_t peak = PeakAllocation([] {
    std::vector<uint8_t> v(1000);
    (void)v;
  });
  EXPECT_GE(peak, 1000u);
}

TEST(ParseAllocationTest, EverySpecVectorStaysWithinTheBound) {
  for (const spec::TestVector& vector : spec::BuildVectorSet()) {
    CheckParsers(vector.bytes, vector.path);
  }
}

TEST(ParseAllocationTest, DamagedVectorsStayWithinTheBound) {
  std::mt19937_64 rng(99);
  const std::vector<spec::TestVector> vectors = spec::BuildVectorSet();
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> bytes = vectors[rng() % vectors.size()].bytes;
    if (bytes.size() <= kPacketTrailerSize) continue;
    // Counts and lengths are the fields that could inflate allocation:
    // write large varint-looking bytes at random places, then fix the
    // checksum so the damage reaches the parsers behind it.
    for (int k = 0; k < 3; ++k) {
      bytes[rng() % (bytes.size() - kPacketTrailerSize)] =
          static_cast<uint8_t>(0x80 | rng());
    }
    if (bytes[0] == 'G' && bytes[2] == 'P') internal::RewriteChecksum(&bytes);
    CheckParsers(bytes, "damaged vector");
  }
}

TEST(ParseAllocationTest, ManyTinyTensorsStayWithinTheBound) {
  // The densest layout input: 50,000 one-coordinate tensors.
  Layout layout;
  for (int i = 0; i < 50000; ++i) {
    layout.tensors.push_back({std::to_string(i), {}, DType::kFloat32, 0});
  }
  std::vector<uint8_t> payload;
  internal::SerializeLayout(layout, &payload);
  PacketHeader header;
  header.method_id = 1;
  header.layout_fingerprint = internal::LayoutFingerprint(payload);
  header.coordinate_count = 50000;
  const internal::SectionData sections[] = {{0x01, payload}};
  const std::vector<uint8_t> packet = internal::SerializePacket(header, sections);
  ASSERT_TRUE(internal::ParsePacket(packet).ok());
  CheckParsers(packet, "50,000-tensor key packet");
}

}  // namespace
}  // namespace gradcodec
