#include "codec/entropy/rans_stream.h"

#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "codec/entropy/encoder_scratch.h"
#include "codec/entropy/frequency_table.h"
#include "gradcodec/error_code.h"
#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

using Bytes = std::vector<uint8_t>;

// A run of symbols coded with one table.
struct Segment {
  FrequencyTable table;
  Bytes symbols;
};

FrequencyTable TableOf(const Bytes& symbols) {
  std::array<uint64_t, 256> counts{};
  for (uint8_t s : symbols) ++counts[s];
  return NormalizeFrequencies(counts);
}

// Segments of awkward lengths (so lane groups straddle them) drawn from
// skewed, uniform, single-symbol and rare-symbol (frequency 1) sources.
std::vector<Segment> MakeSegments(uint64_t seed, size_t total) {
  std::mt19937_64 rng(seed);
  std::vector<Segment> segments;
  size_t made = 0;
  int kind = 0;
  while (made < total) {
    const size_t length = std::min<size_t>(total - made, 1 + rng() % 9000);
    Segment segment;
    segment.symbols.resize(length);
    for (auto& s : segment.symbols) {
      switch (kind % 4) {
        case 0: s = static_cast<uint8_t>(rng() % 3 == 0 ? rng() : 0); break;
        case 1: s = static_cast<uint8_t>(rng()); break;
        case 2: s = 77; break;
        default: s = static_cast<uint8_t>(rng() % 5000 == 0 ? 200 : 1); break;
      }
    }
    if (kind % 4 == 3) segment.symbols[length / 2] = 200;  // a rare symbol
    segment.table = TableOf(segment.symbols);
    segments.push_back(std::move(segment));
    made += length;
    ++kind;
  }
  return segments;
}

size_t TotalSymbols(const std::vector<Segment>& segments) {
  size_t total = 0;
  for (const Segment& s : segments) total += s.symbols.size();
  return total;
}

// Encodes with PutAll per segment (the vector path where there is one).
Bytes EncodeWithPutAll(const std::vector<Segment>& segments, int lanes) {
  const size_t total = TotalSymbols(segments);
  Bytes buffer(RansStreamEncoder::BufferSize(total));
  RansStreamEncoder encoder(absl::MakeSpan(buffer), lanes);
  auto table = std::make_unique<RansEncodeTable>();
  size_t end = total;
  for (size_t i = segments.size(); i-- > 0;) {
    end -= segments[i].symbols.size();
    BuildEncodeTable(segments[i].table, table.get());
    encoder.PutAll(end, segments[i].symbols, *table);
  }
  Bytes out;
  encoder.Finish(&out);
  return out;
}

// Encodes one Put at a time: the plain scalar definition of the stream.
Bytes EncodeOneByOne(const std::vector<Segment>& segments, int lanes) {
  const size_t total = TotalSymbols(segments);
  Bytes buffer(RansStreamEncoder::BufferSize(total));
  RansStreamEncoder encoder(absl::MakeSpan(buffer), lanes);
  auto table = std::make_unique<RansEncodeTable>();
  size_t index = total;
  for (size_t i = segments.size(); i-- > 0;) {
    BuildEncodeTable(segments[i].table, table.get());
    const Bytes& symbols = segments[i].symbols;
    for (size_t k = symbols.size(); k-- > 0;) {
      encoder.Put(--index, table->symbols[symbols[k]]);
    }
  }
  Bytes out;
  encoder.Finish(&out);
  return out;
}

void ExpectDecodes(const Bytes& stream, const std::vector<Segment>& segments,
                   bool one_by_one) {
  RansStreamDecoder decoder;
  ASSERT_TRUE(decoder.Init(stream).ok());
  auto table = std::make_unique<RansDecodeTable>();
  size_t index = 0;
  for (const Segment& segment : segments) {
    BuildDecodeTable(segment.table, table.get());
    Bytes decoded(segment.symbols.size());
    if (one_by_one) {
      for (auto& s : decoded) s = decoder.Get(index++, *table);
    } else {
      decoder.GetAll(index, absl::MakeSpan(decoded), *table);
      index += decoded.size();
    }
    ASSERT_EQ(decoded, segment.symbols);
  }
  EXPECT_TRUE(decoder.Finish().ok());
}

TEST(RansStreamTest, BlockPathsWriteTheBytesOfSingleSteps) {
  for (int lanes : {kRansNarrowLanes, kRansWideLanes}) {
    for (uint64_t seed : {1, 2, 3}) {
      SCOPED_TRACE(testing::Message() << lanes << " lanes, seed " << seed);
      const auto segments = MakeSegments(seed, 200000);
      const Bytes stream = EncodeWithPutAll(segments, lanes);
      EXPECT_EQ(stream, EncodeOneByOne(segments, lanes));
      EXPECT_EQ(stream[0], lanes);
      ExpectDecodes(stream, segments, /*one_by_one=*/false);
      ExpectDecodes(stream, segments, /*one_by_one=*/true);
    }
  }
}

TEST(RansStreamTest, ShortStreamsOfEveryLengthRoundTrip) {
  for (int lanes : {kRansNarrowLanes, kRansWideLanes}) {
    for (size_t length = 0; length <= 100; ++length) {
      std::vector<Segment> segments(1);
      segments[0].symbols.resize(length);
      for (size_t i = 0; i < length; ++i) {
        segments[0].symbols[i] = static_cast<uint8_t>(i * 7 % 5);
      }
      segments[0].table = TableOf(length ? segments[0].symbols : Bytes{0});
      const Bytes stream = EncodeWithPutAll(segments, lanes);
      EXPECT_EQ(stream, EncodeOneByOne(segments, lanes));
      EXPECT_EQ(stream.size() % 2, 1u);  // lanes byte, states, 16-bit words
      ExpectDecodes(stream, segments, false);
    }
  }
}

TEST(RansStreamTest, InitRefusesOtherLaneCountsAndShortStates) {
  RansStreamDecoder decoder;
  EXPECT_EQ(GetErrorCode(decoder.Init({})), ErrorCode::kTruncated);
  for (int lanes : {0, 1, 2, 8, 16, 64, 255}) {
    Bytes stream(1 + 4 * 32, 0);
    stream[0] = static_cast<uint8_t>(lanes);
    EXPECT_EQ(GetErrorCode(decoder.Init(stream)), ErrorCode::kInvalidField)
        << lanes;
  }
  // A valid wide stream cut inside its states.
  const auto segments = MakeSegments(9, 50000);
  const Bytes stream = EncodeWithPutAll(segments, kRansWideLanes);
  for (size_t size : {size_t{1}, size_t{17}, size_t{127}}) {
    EXPECT_EQ(GetErrorCode(decoder.Init(absl::MakeConstSpan(stream.data(),
                                                            size))),
              ErrorCode::kCorruptPayload)
        << size;
  }
}

TEST(RansStreamTest, DamagedWideStreamsFailToFinish) {
  const auto segments = MakeSegments(11, 60000);
  const Bytes stream = EncodeWithPutAll(segments, kRansWideLanes);
  std::mt19937_64 rng(12);
  int detected = 0;
  constexpr int kTrials = 200;
  for (int trial = 0; trial < kTrials; ++trial) {
    Bytes damaged = stream;
    damaged[1 + rng() % (damaged.size() - 1)] ^=
        static_cast<uint8_t>(1u << (rng() % 8));
    RansStreamDecoder decoder;
    if (!decoder.Init(damaged).ok()) {
      ++detected;
      continue;
    }
    auto table = std::make_unique<RansDecodeTable>();
    size_t index = 0;
    for (const Segment& segment : segments) {
      BuildDecodeTable(segment.table, table.get());
      Bytes decoded(segment.symbols.size());
      decoder.GetAll(index, absl::MakeSpan(decoded), *table);
      index += decoded.size();
    }
    if (!decoder.Finish().ok()) ++detected;
  }
  // rANS has no redundancy of its own: in a segment whose frequencies are
  // powers of two (the uniform one) a flipped bit changes one symbol and no
  // state, and the packet checksum is what catches it. Elsewhere the
  // damage reaches the final states.
  EXPECT_GE(detected, kTrials * 9 / 10);
}

TEST(RansStreamTest, LaneChoiceFollowsLengthAndSize) {
  EXPECT_EQ(RansLanesFor(1000, 1e6), kRansNarrowLanes);
  EXPECT_EQ(RansLanesFor(1u << 20, 100), kRansNarrowLanes);  // compresses to nothing
  EXPECT_EQ(RansLanesFor(1u << 20, 1e6), kRansWideLanes);
}

// The encoders' buffers are kept, not reallocated, while the sizes asked
// fit, and each thread has its own.
TEST(EncoderScratchTest, KeepsItsLargestBufferPerThread) {
  ScratchBuffer buffer;
  const absl::Span<uint8_t> first = buffer.Get(1000);
  EXPECT_EQ(first.size(), 1000u);
  EXPECT_EQ(buffer.Get(10).data(), first.data());
  EXPECT_EQ(buffer.Get(1250).data(), first.data());  // the quarter's headroom
  EXPECT_EQ(buffer.Get(5000).size(), 5000u);

  EncoderScratch* const here = &ThreadEncoderScratch();
  EXPECT_EQ(&ThreadEncoderScratch(), here);
  EncoderScratch* there = nullptr;
  std::thread([&] { there = &ThreadEncoderScratch(); }).join();
  EXPECT_NE(there, here);
}

}  // namespace
}  // namespace gradcodec::internal
