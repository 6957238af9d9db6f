// Key packets of the evolving shift rules (EF21, DIANA, Rand-DIANA) carry
// the sender's h (spec/FORMAT.md section 11.10.5): periodic and requested
// keys change no output, a receiver that joins at a key continues with the
// right h, and a damaged `shift` section is refused with nothing changed.
#include "codec/shifted/key_shift.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "codec/shifted/shifted_sections.h"
#include "codec/splitmix64.h"
#include "format/packet.h"
#include "gradcodec/decoder.h"
#include "gradcodec/encoder.h"
#include "gradcodec/error_code.h"
#include "gradcodec/names.h"
#include "gtest/gtest.h"

namespace gradcodec {
namespace {

using Packet = std::vector<uint8_t>;
using internal::kKeyShiftSection;

constexpr uint64_t kSteps = 14;

Layout SmallLayout() {
  Layout layout;
  layout.tensors = {{"w", {16, 20}, DType::kFloat32, 64},
                    {"b", {9}, DType::kFloat32, 0}};
  return layout;
}

// A fixed mean plus noise: the shift has something to learn, so a key that
// dropped it would change the outputs that follow.
std::vector<float> Step(uint64_t n, uint64_t t) {
  internal::SplitMix64 random(t * 104729 + 1);
  std::vector<float> v(n);
  for (uint64_t i = 0; i < n; ++i) {
    v[i] = std::cos(0.07f * static_cast<float>(i)) +
           0.2f * static_cast<float>(random.NextDouble() - 0.5);
  }
  return v;
}

struct Case {
  Method method;
  Shift shift;
};

std::string Name(const Case& c) {
  return absl::StrCat(MethodName(c.method), "/", static_cast<int>(c.shift));
}

EncoderOptions Options(const Case& c) {
  EncoderOptions options;
  options.method = c.method;
  options.layout = SmallLayout();
  options.shifted.shift = c.shift;
  options.shifted.k_fraction = 0.1;
  options.shifted.seed = 31;
  options.shifted.refresh_probability = 0.2;
  return options;
}

// The evolving rules with compressors they combine with (top_k is biased,
// so only EF21 takes it).
const Case kCases[] = {
    {Method::kTopK, Shift::kEf21},        {Method::kRandK, Shift::kDiana},
    {Method::kDither, Shift::kDiana},     {Method::kNatural, Shift::kRandDiana},
    {Method::kDither, Shift::kRandDiana}, {Method::kFp32, Shift::kDiana},
    {Method::kFp16, Shift::kEf21},
};

bool HasShiftSection(const Packet& packet) {
  absl::StatusOr<internal::ParsedPacket> parsed = internal::ParsePacket(packet);
  EXPECT_TRUE(parsed.ok());
  return parsed.ok() && parsed->Find(kKeyShiftSection) != nullptr;
}

bool IsKey(const Packet& packet) {
  return ReadPacketInfo(packet)->header.packet_kind == PacketKind::kKey;
}

// One stream's packets and the decoder's outputs, keys every
// `key_interval` packets and on request before the packets in `requests`.
struct StreamRun {
  std::vector<Packet> packets;
  std::vector<std::vector<float>> outputs;
};

StreamRun Encode(const Case& c, uint64_t key_interval,
                 const std::vector<uint64_t>& requests) {
  EncoderOptions options = Options(c);
  options.key_interval = key_interval;
  auto encoder = *Encoder::Create(options);
  auto decoder = *Decoder::Create();
  const uint64_t n = options.layout.coordinate_count();
  StreamRun run;
  for (uint64_t t = 0; t < kSteps; ++t) {
    for (uint64_t r : requests) {
      if (r == t) encoder->RequestKey();
    }
    Packet packet;
    std::vector<float> sent(n), got(n);
    EXPECT_TRUE(
        encoder->Encode(Step(n, t), &packet, absl::MakeSpan(sent)).ok());
    EXPECT_TRUE(decoder->Decode(packet, absl::MakeSpan(got)).ok())
        << Name(c) << " step " << t;
    EXPECT_EQ(std::memcmp(sent.data(), got.data(), 4 * n), 0)
        << Name(c) << " step " << t;
    run.packets.push_back(std::move(packet));
    run.outputs.push_back(std::move(got));
  }
  return run;
}

void ExpectSameBits(const std::vector<float>& a, const std::vector<float>& b,
                    const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(a[i]), std::bit_cast<uint32_t>(b[i]))
        << what << " coordinate " << i;
  }
}

TEST(KeyShiftTest, KeysChangeNoOutput) {
  for (const Case& c : kCases) {
    const StreamRun plain = Encode(c, 0, {});
    const StreamRun periodic = Encode(c, 4, {});
    const StreamRun requested = Encode(c, 0, {7});
    for (uint64_t t = 0; t < kSteps; ++t) {
      const std::string what = absl::StrCat(Name(c), " step ", t);
      ExpectSameBits(plain.outputs[t], periodic.outputs[t], what + " periodic");
      ExpectSameBits(plain.outputs[t], requested.outputs[t],
                     what + " requested");
    }
    EXPECT_TRUE(IsKey(periodic.packets[8])) << Name(c);
    EXPECT_TRUE(IsKey(requested.packets[7])) << Name(c);
    // The first key starts from h = 0 and pays nothing for it; a later
    // key carries h unless h is still 0 (Rand-DIANA before its first
    // refresh) or the key is a refresh, which replaces h anyway.
    EXPECT_FALSE(HasShiftSection(periodic.packets[0])) << Name(c);
    bool refreshed = false;
    for (uint64_t t = 0; t < 7; ++t) {
      refreshed |= internal::ParsePacket(requested.packets[t])
                       ->Find(internal::kRefreshSection) != nullptr;
    }
    const internal::ParsedPacket later =
        *internal::ParsePacket(requested.packets[7]);
    const bool refresh = later.Find(internal::kRefreshSection) != nullptr;
    EXPECT_EQ(later.Find(kKeyShiftSection) != nullptr,
              (c.shift != Shift::kRandDiana || refreshed) && !refresh)
        << Name(c);
  }
}

TEST(KeyShiftTest, AReceiverJoiningAtAKeyContinuesTheStream) {
  for (const Case& c : kCases) {
    const StreamRun run = Encode(c, 5, {});
    auto late = *Decoder::Create();
    const uint64_t n = SmallLayout().coordinate_count();
    std::vector<float> out(n);
    EXPECT_EQ(GetErrorCode(late->Decode(run.packets[4], absl::MakeSpan(out))),
              ErrorCode::kReferenceMismatch)
        << Name(c);
    for (uint64_t t = 5; t < kSteps; ++t) {
      ASSERT_TRUE(late->Decode(run.packets[t], absl::MakeSpan(out)).ok())
          << Name(c) << " step " << t;
      ExpectSameBits(run.outputs[t], out, absl::StrCat(Name(c), " step ", t));
    }
  }
}

// Rebuilds `packet` with the payload of section `type` replaced (or, for
// an empty `payload` and no such section, the section added).
Packet WithSection(const Packet& packet, uint8_t type, const Packet& payload) {
  const internal::ParsedPacket parsed = *internal::ParsePacket(packet);
  std::vector<internal::SectionData> sections;
  bool placed = false;
  for (const internal::SectionView& section : parsed.sections) {
    if (!placed && section.type >= type) {
      sections.push_back({type, payload});
      placed = true;
      if (section.type == type) continue;
    }
    sections.push_back({section.type, section.payload});
  }
  if (!placed) sections.push_back({type, payload});
  return internal::SerializePacket(parsed.header, sections);
}

TEST(KeyShiftTest, DamagedShiftSectionsAreRefusedWithNothingChanged) {
  const Case c{Method::kRandK, Shift::kDiana};
  const StreamRun run = Encode(c, 0, {6});
  const Packet& key = run.packets[6];
  const Packet shift(
      internal::ParsePacket(key)->Find(kKeyShiftSection)->payload.begin(),
      internal::ParsePacket(key)->Find(kKeyShiftSection)->payload.end());
  const uint64_t n = SmallLayout().coordinate_count();
  auto payload = [](const std::vector<float>& h, internal::ShiftLayout layout) {
    Packet out;
    internal::WriteKeyShift(h, layout, &out);
    return out;
  };
  const std::vector<float> half(n, 0.5f), short_h(n - 1, 0.5f);
  std::vector<float> nan_h = half;
  nan_h[123] = std::nanf("");
  Packet planes = payload(half, internal::ShiftLayout::kPlanes);
  Packet truncated(planes.begin(), planes.end() - 1);
  Packet trailing = planes;
  trailing.push_back(0);
  Packet layout_2 = planes;
  layout_2[0] = 2;
  const StreamRun none = Encode({Method::kRandK, Shift::kNone}, 0, {});
  // Packet 6 of the stream without the requested key: a delta the decoder
  // below would accept as it is.
  const StreamRun plain = Encode(c, 0, {});

  const struct {
    const char* what;
    Packet packet;
    ErrorCode code;
    const char* names;
  } bad[] = {
      {"empty", WithSection(key, kKeyShiftSection, {}), ErrorCode::kTruncated,
       "shift_layout"},
      {"layout 2", WithSection(key, kKeyShiftSection, layout_2),
       ErrorCode::kInvalidField, "shift_layout"},
      {"truncated planes", WithSection(key, kKeyShiftSection, truncated),
       ErrorCode::kLengthOutOfBounds, "shift.plane_3"},
      {"a plane one symbol short",
       WithSection(key, kKeyShiftSection,
                   payload(short_h, internal::ShiftLayout::kPlanes)),
       ErrorCode::kCorruptPayload, "shift.plane_0"},
      {"interleaved one value short",
       WithSection(key, kKeyShiftSection,
                   payload(short_h, internal::ShiftLayout::kInterleaved)),
       ErrorCode::kCorruptPayload, "shift.values"},
      {"trailing", WithSection(key, kKeyShiftSection, trailing),
       ErrorCode::kTrailingBytes, "shift"},
      {"NaN interleaved",
       WithSection(key, kKeyShiftSection,
                   payload(nan_h, internal::ShiftLayout::kInterleaved)),
       ErrorCode::kInvalidField, "value 123"},
      {"NaN planes",
       WithSection(key, kKeyShiftSection,
                   payload(nan_h, internal::ShiftLayout::kPlanes)),
       ErrorCode::kInvalidField, "value 123"},
      {"in a delta", WithSection(plain.packets[6], kKeyShiftSection, shift),
       ErrorCode::kSectionPresence, "section type 14"},
      {"for shift rule none",
       WithSection(none.packets[0], kKeyShiftSection, shift),
       ErrorCode::kSectionPresence, "`shift`"},
  };
  for (const auto& b : bad) {
    auto decoder = *Decoder::Create();
    std::vector<float> out(n);
    for (uint64_t t = 0; t < 6; ++t) {
      ASSERT_TRUE(decoder->Decode(run.packets[t], absl::MakeSpan(out)).ok());
    }
    const std::vector<uint8_t> held = decoder->SaveState();
    const absl::Status status = decoder->Decode(b.packet, absl::MakeSpan(out));
    EXPECT_EQ(GetErrorCode(status), b.code) << b.what << ": " << status;
    EXPECT_NE(status.message().find(b.names), absl::string_view::npos)
        << b.what << ": " << status;
    EXPECT_EQ(decoder->SaveState(), held) << b.what;
    // The stream goes on from the state the refusal kept.
    for (uint64_t t = 6; t < kSteps; ++t) {
      ASSERT_TRUE(decoder->Decode(run.packets[t], absl::MakeSpan(out)).ok())
          << b.what << " step " << t;
      ExpectSameBits(run.outputs[t], out, absl::StrCat(b.what, " step ", t));
    }
  }
}

TEST(KeyShiftTest, RestoredStateWritesTheSameKeys) {
  for (const Case& c : kCases) {
    EncoderOptions options = Options(c);
    options.key_interval = 5;
    auto a = *Encoder::Create(options);
    auto b = *Encoder::Create(options);
    const uint64_t n = options.layout.coordinate_count();
    Packet pa, pb;
    for (uint64_t t = 0; t < 12; ++t) {
      if (t == 3) {
        ASSERT_TRUE(b->RestoreState(a->SaveState()).ok()) << Name(c);
      }
      if (t == 8) {
        a->RequestKey();
        b->RequestKey();
      }
      ASSERT_TRUE(a->Encode(Step(n, t), &pa).ok());
      if (t < 3) continue;
      ASSERT_TRUE(b->Encode(Step(n, t), &pb).ok());
      EXPECT_EQ(pa, pb) << Name(c) << " step " << t;
    }
  }
}

TEST(KeyShiftTest, BothLayoutsRoundTripEveryBitPattern) {
  // -0.0, subnormals, the extremes: both layouts carry bit patterns, not
  // values, so the receiver's h is the sender's bit for bit.
  const std::vector<float> h = {
      -0.0f, 1e-45f, -3.4028235e38f,
      1.0f,  0.0f,   std::bit_cast<float>(0x807FFFFFu)};
  for (internal::ShiftLayout layout :
       {internal::ShiftLayout::kInterleaved, internal::ShiftLayout::kPlanes}) {
    Packet payload;
    internal::WriteKeyShift(h, layout, &payload);
    EXPECT_EQ(payload[0], static_cast<uint8_t>(layout));
    std::vector<float> back(h.size(), 7.0f);
    ASSERT_TRUE(internal::ReadKeyShift(payload, absl::MakeSpan(back)).ok());
    ExpectSameBits(h, back, "round trip");
  }
  // The encoder's choice is the smaller of the two.
  Packet chosen, interleaved, planes;
  internal::WriteKeyShift(h, &chosen);
  internal::WriteKeyShift(h, internal::ShiftLayout::kInterleaved, &interleaved);
  internal::WriteKeyShift(h, internal::ShiftLayout::kPlanes, &planes);
  EXPECT_EQ(chosen.size(), std::min(interleaved.size(), planes.size()));
  EXPECT_FALSE(internal::ShiftIsZero(h));
  EXPECT_TRUE(internal::ShiftIsZero(std::vector<float>(9, 0.0f)));
  EXPECT_FALSE(internal::ShiftIsZero(std::vector<float>{0.0f, -0.0f}));
}

}  // namespace
}  // namespace gradcodec
