// Format-layer costs: verifying and parsing packets (dominated by the
// XXH3-64 checksum pass) and opening .gcs files through the index or by
// scanning, against a streaming read of the same bytes.
//
//   build/release/bench/format_bench
//
// Read ParsePacket's bytes_per_second over StreamingReadBytes' for the same
// size: the fraction of memory speed that validating a packet costs.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "format/layout_section.h"
#include "format/packet.h"
#include "gradcodec/container.h"
#include "ratio_reporter.h"
#include "reference.h"

namespace gradcodec {
namespace {

// A key packet for a 16M-coordinate layout whose method payload is
// `payload_size` random bytes (a 1-bit-per-coordinate sign payload is 2 MiB).
std::vector<uint8_t> MakeKeyPacket(size_t payload_size, uint64_t sequence) {
  Layout layout;
  layout.tensors.push_back({"weights", {4096, 4096}, DType::kFloat32, 256});
  std::vector<uint8_t> layout_payload;
  internal::SerializeLayout(layout, &layout_payload);
  std::vector<uint8_t> payload(payload_size);
  std::mt19937_64 rng(1);
  for (auto& byte : payload) byte = static_cast<uint8_t>(rng());
  PacketHeader header;
  header.method_id = 1;
  header.sequence = sequence;
  header.layout_fingerprint = internal::LayoutFingerprint(layout_payload);
  header.coordinate_count = layout.coordinate_count();
  const internal::SectionData sections[] = {{0x01, layout_payload},
                                            {0x02, payload}};
  return internal::SerializePacket(header, sections);
}

void BM_StreamingReadBytes(benchmark::State& state) {
  const std::vector<uint8_t> packet =
      MakeKeyPacket(static_cast<size_t>(state.range(0)), 0);
  bench::RunStreamingReadBytes(state, packet);
}

void BM_ParsePacket(benchmark::State& state) {
  const std::vector<uint8_t> packet =
      MakeKeyPacket(static_cast<size_t>(state.range(0)), 0);
  for (auto _ : state) {
    auto parsed = internal::ParsePacket(packet);
    if (!parsed.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(packet.size()));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(packet.size()));
}

void BM_SerializePacket(benchmark::State& state) {
  const std::vector<uint8_t> packet =
      MakeKeyPacket(static_cast<size_t>(state.range(0)), 0);
  const auto parsed = *internal::ParsePacket(packet);
  std::vector<internal::SectionData> sections;
  for (const auto& s : parsed.sections) sections.push_back({s.type, s.payload});
  for (auto _ : state) {
    benchmark::DoNotOptimize(internal::SerializePacket(parsed.header, sections));
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(packet.size()));
}

// A file of 1000 packets of 4 KiB, with or without its index.
std::vector<uint8_t> MakeFile(bool finish) {
  std::vector<uint8_t> file;
  VectorByteSink sink(&file);
  ContainerMetadata metadata;
  metadata.layout.tensors.push_back(
      {"weights", {4096, 4096}, DType::kFloat32, 256});
  auto writer = *ContainerWriter::Create(metadata, &sink);
  for (uint64_t step = 0; step < 1000; ++step) {
    if (!writer.AppendPacket(MakeKeyPacket(4096, step)).ok()) std::abort();
  }
  if (finish && !writer.Finish().ok()) std::abort();
  return file;
}

void BM_OpenContainer(benchmark::State& state) {
  const bool indexed = state.range(0) != 0;
  const std::vector<uint8_t> file = MakeFile(indexed);
  for (auto _ : state) {
    auto reader = ContainerReader::Open(file);
    if (!reader.ok() || reader->entries().size() != 1000) {
      state.SkipWithError("open failed");
    }
    benchmark::DoNotOptimize(reader);
  }
  state.SetLabel(indexed ? "index" : "scan (verifies every packet)");
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(file.size()));
}

BENCHMARK(BM_StreamingReadBytes)->Arg(4096)->Arg(2 << 20);
BENCHMARK(BM_ParsePacket)->Arg(4096)->Arg(2 << 20);
BENCHMARK(BM_SerializePacket)->Arg(4096)->Arg(2 << 20);
BENCHMARK(BM_OpenContainer)->Arg(1)->Arg(0);

}  // namespace
}  // namespace gradcodec

GRADCODEC_BENCHMARK_MAIN();
