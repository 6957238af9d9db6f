// The shifted methods through the public API: Encoder, Decoder and
// Aggregator with every compressor and shift rule, bit-exact outputs,
// invalid combinations, desynchronisation, state save and restore, and
// hostile packets.
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codec/splitmix64.h"
#include "format/packet.h"
#include "gradcodec/aggregator.h"
#include "gradcodec/decoder.h"
#include "gradcodec/encoder.h"
#include "gradcodec/error_code.h"
#include "gradcodec/names.h"
#include "gtest/gtest.h"

namespace gradcodec {
namespace {

using Packet = std::vector<uint8_t>;

Layout TwoTensors() {
  Layout layout;
  layout.tensors = {
      {"w", {12, 25}, DType::kFloat32, 64},
      {"empty", {0}, DType::kFloat32, 0},
      {"b", {7}, DType::kFloat32, 0},
  };
  return layout;
}

// A step whose mean stays put while noise changes: what a worker's
// gradient near a heterogeneous optimum looks like, so shifts matter.
std::vector<float> Step(uint64_t n, uint64_t t) {
  internal::SplitMix64 random(t * 7919 + 3);
  std::vector<float> v(n);
  for (uint64_t i = 0; i < n; ++i) {
    v[i] = std::sin(0.1f * static_cast<float>(i)) +
           0.1f * static_cast<float>(random.NextDouble() - 0.5);
  }
  return v;
}

EncoderOptions Options(Method method, Shift shift) {
  EncoderOptions options;
  options.method = method;
  options.layout = TwoTensors();
  options.shifted.shift = shift;
  options.shifted.k_fraction = 0.25;
  options.shifted.seed = 99;
  if (shift == Shift::kFixed) {
    options.shifted.fixed_shift.assign(options.layout.coordinate_count(), 0.5f);
  }
  return options;
}

struct Combination {
  Method method;
  Shift shift;
};

// Every valid pairing the tests below walk through.
std::vector<Combination> ValidCombinations() {
  std::vector<Combination> out;
  for (Method method : {Method::kTopK, Method::kRandK, Method::kDither,
                        Method::kNatural, Method::kFp16, Method::kBf16,
                        Method::kFp32}) {
    for (Shift shift : {Shift::kNone, Shift::kErrorFeedback, Shift::kEf21,
                        Shift::kDiana, Shift::kRandDiana, Shift::kFixed}) {
      if (Encoder::Create(Options(method, shift)).ok()) {
        out.push_back({method, shift});
      }
    }
  }
  return out;
}

std::string Name(const Combination& c) {
  return absl::StrCat(MethodName(c.method), "/", static_cast<int>(c.shift));
}

TEST(ShiftedCodecTest, DecoderOutputEqualsEncoderReconstructionBitForBit) {
  const std::vector<Combination> all = ValidCombinations();
  // 7 compressors x their valid rules; rand_k with k = n/4 has omega 3, so
  // error feedback and EF21 refuse it.
  EXPECT_GE(all.size(), 30u);
  for (const Combination& c : all) {
    EncoderOptions options = Options(c.method, c.shift);
    options.key_interval = 4;
    options.shifted.refresh_probability = 0.3;
    auto encoder = Encoder::Create(options);
    ASSERT_TRUE(encoder.ok()) << Name(c) << encoder.status();
    auto decoder = *Decoder::Create();
    const uint64_t n = options.layout.coordinate_count();
    std::vector<float> sent(n), got(n);
    Packet packet;
    for (uint64_t t = 0; t < 10; ++t) {
      ASSERT_TRUE((*encoder)->Encode(Step(n, t), &packet, absl::MakeSpan(sent)).ok())
          << Name(c);
      ASSERT_TRUE(decoder->Decode(packet, absl::MakeSpan(got)).ok())
          << Name(c) << " step " << t;
      ASSERT_EQ(std::memcmp(sent.data(), got.data(), 4 * n), 0)
          << Name(c) << " step " << t;
      EXPECT_LE(packet.size(), (*encoder)->MaxPacketSize());
    }
  }
}

TEST(ShiftedCodecTest, InvalidCombinationsAreRefusedWithTheReason) {
  struct Bad {
    Method method;
    Shift shift;
    const char* says;
  };
  for (const Bad& bad : {Bad{Method::kTopK, Shift::kDiana, "unbiased"},
                         Bad{Method::kFp16, Shift::kRandDiana, "unbiased"},
                         Bad{Method::kRandK, Shift::kEf21, "contractive"},
                         Bad{Method::kRandK, Shift::kErrorFeedback, "contractive"}}) {
    auto encoder = Encoder::Create(Options(bad.method, bad.shift));
    ASSERT_FALSE(encoder.ok());
    EXPECT_EQ(GetErrorCode(encoder.status()), ErrorCode::kInvalidArgument);
    EXPECT_NE(encoder.status().message().find(bad.says), std::string::npos)
        << encoder.status();
  }
  EncoderOptions options = Options(Method::kRandK, Shift::kDiana);
  options.shifted.k = 0;
  options.shifted.k_fraction = 0;
  EXPECT_FALSE(Encoder::Create(options).ok());  // omega infinite
  options = Options(Method::kDither, Shift::kNone);
  options.shifted.levels = 0;
  EXPECT_FALSE(Encoder::Create(options).ok());
  options = Options(Method::kFp32, Shift::kFixed);
  options.shifted.fixed_shift.pop_back();
  EXPECT_FALSE(Encoder::Create(options).ok());
  options = Options(Method::kFp32, Shift::kDiana);
  options.shifted.alpha = 1.5f;
  EXPECT_FALSE(Encoder::Create(options).ok());
}

TEST(ShiftedCodecTest, Fp32DianaIsExactAndLearnsTheShift) {
  // omega = 0, so alpha = 1: after one step h = v and the next packet
  // compresses v' - v.
  auto encoder = *Encoder::Create(Options(Method::kFp32, Shift::kDiana));
  auto decoder = *Decoder::Create();
  const uint64_t n = TwoTensors().coordinate_count();
  std::vector<float> out(n);
  Packet packet;
  for (uint64_t t = 0; t < 3; ++t) {
    const std::vector<float> v = Step(n, t);
    ASSERT_TRUE(encoder->Encode(v, &packet).ok());
    ASSERT_TRUE(decoder->Decode(packet, absl::MakeSpan(out)).ok());
    for (uint64_t i = 0; i < n; ++i) EXPECT_NEAR(out[i], v[i], 1e-6f);
  }
}

TEST(ShiftedCodecTest, RandDianaRefreshSendsVExactly) {
  EncoderOptions options = Options(Method::kRandK, Shift::kRandDiana);
  options.shifted.refresh_probability = 1;
  auto encoder = *Encoder::Create(options);
  auto decoder = *Decoder::Create();
  const uint64_t n = options.layout.coordinate_count();
  std::vector<float> out(n);
  Packet packet;
  for (uint64_t t = 0; t < 3; ++t) {
    const std::vector<float> v = Step(n, t);
    ASSERT_TRUE(encoder->Encode(v, &packet).ok());
    ASSERT_TRUE(decoder->Decode(packet, absl::MakeSpan(out)).ok());
    if (t > 0) {
      EXPECT_EQ(out, v);  // the key packet never refreshes
    }
  }
}

TEST(ShiftedCodecTest, ErrorFeedbackKeepsTheSumOfInputs) {
  // sum of outputs + e = sum of inputs (to float tolerance).
  auto encoder = *Encoder::Create(Options(Method::kTopK, Shift::kErrorFeedback));
  const uint64_t n = TwoTensors().coordinate_count();
  std::vector<double> in_sum(n, 0), out_sum(n, 0);
  std::vector<float> out(n);
  Packet packet;
  for (uint64_t t = 0; t < 20; ++t) {
    const std::vector<float> v = Step(n, t);
    ASSERT_TRUE(encoder->Encode(v, &packet, absl::MakeSpan(out)).ok());
    for (uint64_t i = 0; i < n; ++i) {
      in_sum[i] += v[i];
      out_sum[i] += out[i];
    }
  }
  ASSERT_EQ(encoder->error().size(), n);
  for (uint64_t i = 0; i < n; ++i) {
    EXPECT_NEAR(out_sum[i] + encoder->error()[i], in_sum[i], 1e-4) << i;
  }
}

TEST(ShiftedCodecTest, ALostPacketIsRefusedAndTheStateKept) {
  auto encoder = *Encoder::Create(Options(Method::kRandK, Shift::kDiana));
  auto decoder = *Decoder::Create();
  const uint64_t n = TwoTensors().coordinate_count();
  std::vector<Packet> packets(4);
  for (uint64_t t = 0; t < 4; ++t) {
    ASSERT_TRUE(encoder->Encode(Step(n, t), &packets[t]).ok());
  }
  std::vector<float> out(n);
  ASSERT_TRUE(decoder->Decode(packets[0], absl::MakeSpan(out)).ok());
  EXPECT_EQ(GetErrorCode(decoder->Decode(packets[2], absl::MakeSpan(out))),
            ErrorCode::kSequenceMismatch);
  ASSERT_TRUE(decoder->Decode(packets[1], absl::MakeSpan(out)).ok());
  ASSERT_TRUE(decoder->Decode(packets[2], absl::MakeSpan(out)).ok());
  // A delta whose fingerprint names another state: rewrite packet 3's
  // reference_fingerprint (offset 40 of the header) and fix the checksum.
  Packet forged = packets[3];
  forged[40] ^= 1;
  internal::RewriteChecksum(&forged);
  EXPECT_EQ(GetErrorCode(decoder->Decode(forged, absl::MakeSpan(out))),
            ErrorCode::kReferenceMismatch);
  EXPECT_TRUE(decoder->Decode(packets[3], absl::MakeSpan(out)).ok());
}

TEST(ShiftedCodecTest, RestoredStateContinuesWithTheSameBytes) {
  for (const Combination& c :
       {Combination{Method::kRandK, Shift::kDiana},
        Combination{Method::kTopK, Shift::kEf21},
        Combination{Method::kDither, Shift::kRandDiana},
        Combination{Method::kNatural, Shift::kErrorFeedback},
        Combination{Method::kFp16, Shift::kFixed}}) {
    EncoderOptions options = Options(c.method, c.shift);
    options.shifted.refresh_probability = 0.3;
    auto a = *Encoder::Create(options);
    auto b = *Encoder::Create(options);
    auto da = *Decoder::Create();
    auto db = *Decoder::Create();
    const uint64_t n = options.layout.coordinate_count();
    std::vector<float> out_a(n), out_b(n);
    Packet pa, pb;
    for (uint64_t t = 0; t < 8; ++t) {
      if (t == 4) {
        ASSERT_TRUE(b->RestoreState(a->SaveState()).ok()) << Name(c);
        ASSERT_TRUE(db->RestoreState(da->SaveState()).ok()) << Name(c);
      }
      const std::vector<float> v = Step(n, t);
      ASSERT_TRUE(a->Encode(v, &pa).ok());
      ASSERT_TRUE(da->Decode(pa, absl::MakeSpan(out_a)).ok());
      if (t >= 4) {
        ASSERT_TRUE(b->Encode(v, &pb).ok());
        EXPECT_EQ(pa, pb) << Name(c) << " step " << t;
        ASSERT_TRUE(db->Decode(pa, absl::MakeSpan(out_b)).ok()) << Name(c);
        EXPECT_EQ(out_a, out_b) << Name(c);
      }
    }
    // Another seed is another generator: refused.
    EncoderOptions other = options;
    other.shifted.seed = 5;
    auto c2 = *Encoder::Create(other);
    EXPECT_EQ(GetErrorCode(c2->RestoreState(a->SaveState())),
              ErrorCode::kInvalidArgument);
  }
}

TEST(ShiftedCodecTest, NonFiniteInputIsRefusedAndNothingChanges) {
  auto encoder = *Encoder::Create(Options(Method::kRandK, Shift::kDiana));
  const uint64_t n = TwoTensors().coordinate_count();
  Packet packet;
  ASSERT_TRUE(encoder->Encode(Step(n, 0), &packet).ok());
  const std::vector<uint8_t> before = encoder->SaveState();
  std::vector<float> v = Step(n, 1);
  v[17] = std::nanf("");
  EXPECT_EQ(GetErrorCode(encoder->Encode(v, &packet)), ErrorCode::kNonFiniteInput);
  EXPECT_EQ(encoder->SaveState(), before);
}

TEST(ShiftedCodecTest, DamagedPayloadsAreRefusedWithoutHarm) {
  // Flip bytes inside packets and repair the checksum, so the damage
  // reaches the shifted decoder rather than the format layer.
  for (const Combination& c : ValidCombinations()) {
    auto encoder = *Encoder::Create(Options(c.method, c.shift));
    const uint64_t n = TwoTensors().coordinate_count();
    std::vector<Packet> packets(2);
    for (uint64_t t = 0; t < 2; ++t) {
      ASSERT_TRUE(encoder->Encode(Step(n, t), &packets[t]).ok());
    }
    std::vector<float> out(n);
    for (size_t at = 48; at + 8 < packets[1].size(); at += 5) {
      auto decoder = *Decoder::Create();
      ASSERT_TRUE(decoder->Decode(packets[0], absl::MakeSpan(out)).ok());
      const std::vector<uint8_t> held = decoder->SaveState();
      Packet bad = packets[1];
      bad[at] ^= 0x5A;
      internal::RewriteChecksum(&bad);
      if (decoder->Decode(bad, absl::MakeSpan(out)).ok()) {
        for (float v : out) ASSERT_TRUE(std::isfinite(v)) << Name(c);
      } else {
        EXPECT_EQ(decoder->SaveState(), held) << Name(c);
      }
    }
  }
}

TEST(ShiftedCodecTest, AggregatorAveragesShiftedWorkers) {
  const uint64_t n = TwoTensors().coordinate_count();
  AggregatorOptions options;
  options.worker_count = 3;
  options.broadcast = Options(Method::kFp32, Shift::kNone);
  auto aggregator = *Aggregator::Create(options);
  std::vector<std::unique_ptr<Encoder>> workers;
  for (uint32_t w = 0; w < 3; ++w) {
    EncoderOptions worker = Options(Method::kRandK, Shift::kDiana);
    worker.stream_id = w;
    worker.shifted.seed = w;
    workers.push_back(*Encoder::Create(worker));
  }
  std::vector<float> sent(n), mean(n), broadcast_out(n);
  Packet packet, broadcast;
  for (uint64_t t = 0; t < 3; ++t) {
    std::fill(mean.begin(), mean.end(), 0.0f);
    for (uint32_t w = 0; w < 3; ++w) {
      ASSERT_TRUE(workers[w]->Encode(Step(n, t + 10 * w), &packet,
                                     absl::MakeSpan(sent)).ok());
      for (uint64_t i = 0; i < n; ++i) mean[i] += sent[i] * (1.0f / 3);
      ASSERT_TRUE(aggregator->AddWorkerPacket(w, packet).ok());
    }
    ASSERT_TRUE(aggregator->Finish(&broadcast, absl::MakeSpan(broadcast_out)).ok());
    for (uint64_t i = 0; i < n; ++i) EXPECT_NEAR(broadcast_out[i], mean[i], 1e-5f);
  }
}

}  // namespace
}  // namespace gradcodec
