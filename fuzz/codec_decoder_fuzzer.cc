// Fuzz target: the stateful Decoder (gradcodec/decoder.h) over a stream.
//
// Input: packets, each prefixed by its length as a u16 (little-endian),
// fed in order to one decoder, so that sequences, references and desyncs
// are reached, not only single packets. Each input runs twice: as given,
// and with every packet's checksum repaired (checksum_repair.h).
//
// Beyond "no crash, no leak, no UB": a refusal carries a listed code, never
// INTERNAL; a refused packet leaves the decoder's layout and expected
// sequence as they were; DecodeAndAdd and Decode agree.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "checksum_repair.h"
#include "gradcodec/decoder.h"
#include "gradcodec/error_code.h"
#include "gradcodec/packet_info.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// Outputs above this many coordinates are not allocated (the decoder itself
// allocates nothing before a packet's framing is valid).
constexpr uint64_t kMaxFuzzCoordinates = uint64_t{1} << 20;

void RunStream(const std::vector<std::vector<uint8_t>>& packets) {
  using namespace gradcodec;
  auto decoder = std::move(*Decoder::Create());
  auto twin = std::move(*Decoder::Create());  // decodes with DecodeAndAdd
  for (const std::vector<uint8_t>& packet : packets) {
    absl::StatusOr<PacketInfo> info = ReadPacketInfo(packet);
    const uint64_t count = info.ok() ? info->header.coordinate_count
                           : decoder->layout() != nullptr
                               ? decoder->layout()->coordinate_count()
                               : 0;
    if (count > kMaxFuzzCoordinates) continue;
    const uint64_t sequence_before = decoder->expected_sequence();
    const bool had_layout = decoder->layout() != nullptr;
    const Layout layout_before = had_layout ? *decoder->layout() : Layout{};
    std::vector<float> out(count);
    const absl::Status status = decoder->Decode(packet, absl::MakeSpan(out));
    std::vector<float> sum(count, 0.0f);
    const absl::Status twin_status =
        twin->DecodeAndAdd(packet, 1.0f, absl::MakeSpan(sum));
    Check(status.ok() == twin_status.ok());
    if (!status.ok()) {
      Check(GetErrorCode(status) != ErrorCode::kInternal);
      Check(GetErrorCode(status) == GetErrorCode(twin_status));
      Check(decoder->expected_sequence() == sequence_before);
      Check((decoder->layout() != nullptr) == had_layout);
      if (had_layout) Check(*decoder->layout() == layout_before);
      // DecodeAndAdd leaves the sum as it was (Decode's `out` may hold
      // anything).
      for (const float v : sum) Check(std::bit_cast<uint32_t>(v) == 0);
      continue;
    }
    Check(decoder->expected_sequence() == info->header.sequence + 1);
    // 0 + Delta is Delta, bit for bit (also for -0.0: 0 + -0 is +0, so
    // compare values, which treats the zeros alike).
    for (uint64_t i = 0; i < count; ++i) Check(sum[i] == out[i]);
  }
}

std::vector<std::vector<uint8_t>> SplitPackets(const uint8_t* data,
                                               size_t size) {
  std::vector<std::vector<uint8_t>> packets;
  size_t at = 0;
  while (at + 2 <= size && packets.size() < 16) {
    const size_t length = data[at] | (static_cast<size_t>(data[at + 1]) << 8);
    at += 2;
    const size_t take = std::min(length, size - at);
    packets.emplace_back(data + at, data + at + take);
    at += take;
  }
  return packets;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::vector<uint8_t>> packets = SplitPackets(data, size);
  RunStream(packets);
  for (auto& packet : packets) gradcodec::fuzz::RepairPacketChecksum(packet);
  RunStream(packets);
  return 0;
}
