// The stateful codec end to end: every method over multi-step streams,
// the bit-exactness and error-feedback invariants, key/delta handling and
// desynchronisation, bad input.
#include <bit>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/entropy/cpu_features.h"
#include "codec/method_sections.h"
#include "codec/sign/sign_quantizer.h"
#include "codec/signxor/flip_groups.h"
#include "format/checksum.h"
#include "format/packet.h"
#include "gradcodec/decoder.h"
#include "gradcodec/encoder.h"
#include "gradcodec/error_code.h"
#include "gradcodec/names.h"
#include "gradcodec/packet_info.h"
#include "gtest/gtest.h"
#include "safetensors_reader.h"
#include "synthetic.h"

namespace gradcodec {
namespace {

using Packet = std::vector<uint8_t>;

// Tensors of awkward sizes: not multiples of the block, empty, scalar.
Layout AwkwardLayout() {
  Layout layout;
  layout.tensors = {
      {"fc1.weight", {37, 29}, DType::kFloat32, 64},
      {"empty", {0, 5}, DType::kFloat32, 16},
      {"fc1.bias", {29}, DType::kFloat32, 0},
      {"scalar", {}, DType::kFloat32, 8},
      {"fc2.weight", {10, 300}, DType::kFloat32, 256},
  };
  return layout;
}

// Steps whose signs are correlated from step to step, as momentum makes
// them: v_t = 0.9 v_(t-1) + noise.
std::vector<std::vector<float>> CorrelatedSteps(uint64_t count, int steps,
                                                uint64_t seed) {
  std::vector<std::vector<float>> out;
  std::vector<float> v(count, 0.0f);
  for (int t = 0; t < steps; ++t) {
    const std::vector<float> noise =
        testing::SyntheticGradient(count, seed + static_cast<uint64_t>(t));
    for (uint64_t i = 0; i < count; ++i) v[i] = 0.9f * v[i] + noise[i];
    out.push_back(v);
  }
  return out;
}

std::unique_ptr<Encoder> MakeEncoder(const EncoderOptions& options) {
  auto encoder = Encoder::Create(options);
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  return std::move(*encoder);
}

std::unique_ptr<Decoder> MakeDecoder() { return std::move(*Decoder::Create()); }

bool BitIdentical(const std::vector<float>& a, const std::vector<float>& b) {
  // memcmp may not be given the null data() of an empty vector.
  return a.size() == b.size() &&
         (a.empty() ||
          std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

const Method kMethods[] = {Method::kSign, Method::kScaledSign,
                           Method::kBlockSign, Method::kSignXor};

TEST(CodecTest, DecoderOutputsTheEncodersReconstructionBitForBit) {
  for (Method method : kMethods) {
    for (SignCoder coder : {SignCoder::kFast, SignCoder::kAdaptive}) {
      SCOPED_TRACE(::testing::Message() << "method " << static_cast<int>(method)
                                        << " coder " << static_cast<int>(coder));
      EncoderOptions options;
      options.method = method;
      options.layout = AwkwardLayout();
      options.sign_coder = coder;
      options.momentum = 0.5f;
      options.key_interval = 7;
      auto encoder = MakeEncoder(options);
      auto decoder = MakeDecoder();
      const uint64_t n = options.layout.coordinate_count();
      int keys = 0;
      for (const auto& step : CorrelatedSteps(n, 20, 10)) {
        Packet packet;
        std::vector<float> delta(n), decoded(n);
        ASSERT_TRUE(encoder->Encode(step, &packet, absl::MakeSpan(delta)).ok());
        keys += encoder->last_stats().key;
        ASSERT_TRUE(decoder->Decode(packet, absl::MakeSpan(decoded)).ok());
        ASSERT_TRUE(BitIdentical(decoded, delta));
        for (float d : delta) ASSERT_TRUE(std::isfinite(d));
      }
      EXPECT_EQ(keys, 3);  // steps 0, 7 and 14
    }
  }
}

// Delta from the compact view, as its contract spells it out.
std::vector<float> Expand(const SignedScales& view, uint64_t n) {
  std::vector<float> out(n);
  for (size_t b = 0; b + 1 < view.block_starts.size(); ++b) {
    for (uint64_t i = view.block_starts[b]; i < view.block_starts[b + 1]; ++i) {
      const bool negative = (view.signs[i / 64] >> (i % 64)) & 1;
      out[i] = negative ? -view.scales[b] : view.scales[b];
    }
  }
  return out;
}

TEST(CodecTest, LastReconstructionIsTheReconstructionInCompactForm) {
  for (Method method : kMethods) {
    SCOPED_TRACE(::testing::Message() << "method " << static_cast<int>(method));
    EncoderOptions options;
    options.method = method;
    options.layout = AwkwardLayout();
    options.key_interval = 4;
    auto encoder = MakeEncoder(options);
    const uint64_t n = options.layout.coordinate_count();
    EXPECT_TRUE(encoder->last_reconstruction().signs.empty());
    const auto steps = CorrelatedSteps(n, 9, 70);
    for (size_t t = 0; t < steps.size(); ++t) {
      Packet packet;
      std::vector<float> delta(n);
      ASSERT_TRUE(encoder->Encode(steps[t], &packet, absl::MakeSpan(delta)).ok());
      const SignedScales view = encoder->last_reconstruction();
      ASSERT_EQ(view.signs.size(), (n + 63) / 64);
      ASSERT_EQ(view.block_starts.back(), n);
      ASSERT_EQ(view.scales.size() + 1, view.block_starts.size());
      ASSERT_TRUE(BitIdentical(Expand(view, n), delta)) << "step " << t;
      if (t == 5) {
        // A refused step leaves the view on the last packet.
        std::vector<float> poisoned = steps[t];
        poisoned[3] = NAN;
        ASSERT_FALSE(encoder->Encode(poisoned, &packet).ok());
        ASSERT_TRUE(BitIdentical(Expand(encoder->last_reconstruction(), n),
                                 delta));
      }
    }
    // A restored encoder has sent nothing yet.
    ASSERT_TRUE(encoder->RestoreState(encoder->SaveState()).ok());
    EXPECT_TRUE(encoder->last_reconstruction().signs.empty());
  }
}

TEST(CodecTest, ErrorFeedbackLosesNothing) {
  // Without momentum, sum_t Delta_t + e_T = sum_t v_t.
  for (Method method : {Method::kScaledSign, Method::kBlockSign,
                        Method::kSignXor, Method::kSign}) {
    EncoderOptions options;
    options.method = method;
    options.layout = AwkwardLayout();
    auto encoder = MakeEncoder(options);
    const uint64_t n = options.layout.coordinate_count();
    std::vector<double> inputs(n, 0), outputs(n, 0);
    double magnitude = 0;
    for (const auto& step : CorrelatedSteps(n, 30, 20)) {
      Packet packet;
      std::vector<float> delta(n);
      ASSERT_TRUE(encoder->Encode(step, &packet, absl::MakeSpan(delta)).ok());
      for (uint64_t i = 0; i < n; ++i) {
        inputs[i] += step[i];
        outputs[i] += delta[i];
        magnitude = std::max(magnitude, std::fabs(inputs[i]));
      }
    }
    for (uint64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(outputs[i] + encoder->error()[i], inputs[i],
                  1e-4 * (1 + magnitude))
          << "method " << static_cast<int>(method) << " coordinate " << i;
    }
  }
}

TEST(CodecTest, SameInputAndStateGiveTheSameBytes) {
  EncoderOptions options;
  options.layout = AwkwardLayout();
  auto a = MakeEncoder(options);
  auto b = MakeEncoder(options);
  for (const auto& step :
       CorrelatedSteps(options.layout.coordinate_count(), 10, 30)) {
    Packet pa, pb;
    ASSERT_TRUE(a->Encode(step, &pa).ok());
    ASSERT_TRUE(b->Encode(step, &pb).ok());
    ASSERT_EQ(pa, pb);
  }
}

// Every vector path writes and reads exactly what its portable twin does:
// each method with both sign coders, on a layout whose large block spans
// several of the pass's runs and whose flips fill several blocks of the
// split, with blocks of whole words that start off a word boundary (where
// the pass forms p and applies the rule in one loop), encoded and decoded
// once with the vector paths as dispatched, once with the AVX2 paths forced
// (on a machine with AVX-512 paths) and once with the portable ones. The
// sign methods also with momentum, and without error feedback.
TEST(CodecTest, PortablePathsWriteAndReadTheSameBytes) {
  Layout layout;
  layout.tensors = {
      {"big", {70000}, DType::kFloat32, 9000},
      {"small", {37, 29}, DType::kFloat32, 64},
      {"wide", {3, 1000}, DType::kFloat32, 256},
  };
  const uint64_t n = layout.coordinate_count();
  auto steps = CorrelatedSteps(n, 8, 50);
  // Half of "wide" alternates in sign from step to step, so that some flip
  // contexts come to favour a flip (the rule then overrides non-flips).
  for (size_t t = 1; t < steps.size(); t += 2) {
    for (uint64_t i = n - 3000; i < n; i += 2) steps[t][i] = -steps[t][i];
  }
  struct Inputs {
    float momentum;
    bool error_feedback;
  };
  for (uint8_t id = 1; id <= 11; ++id) {
    const auto method = static_cast<Method>(id);
    const bool shifted = id > 4;
    for (const Inputs inputs : {Inputs{0, true}, Inputs{0.9f, true},
                                Inputs{0.9f, false}, Inputs{0, false}}) {
      if (shifted && (inputs.momentum > 0 || !inputs.error_feedback)) continue;
      for (SignCoder coder : {SignCoder::kAdaptive, SignCoder::kFast}) {
        SCOPED_TRACE(::testing::Message()
                     << "momentum " << inputs.momentum << " error feedback "
                     << inputs.error_feedback);
        EncoderOptions options;
        options.layout = layout;
        options.method = method;
        options.sign_coder = coder;
        options.momentum = inputs.momentum;
        options.error_feedback = inputs.error_feedback;
        options.shifted.shift = Shift::kNone;  // valid with every compressor
        auto vector_encoder = MakeEncoder(options);
        auto avx2_encoder = MakeEncoder(options);
        auto portable_encoder = MakeEncoder(options);
        auto vector_decoder = MakeDecoder();
        auto avx2_decoder = MakeDecoder();
        auto portable_decoder = MakeDecoder();
        for (size_t t = 0; t < steps.size(); ++t) {
          Packet expected, avx2, actual;
          std::vector<float> expected_out(n), avx2_out(n), actual_out(n);
          ASSERT_TRUE(vector_encoder->Encode(steps[t], &expected).ok());
          ASSERT_TRUE(
              vector_decoder->Decode(expected, absl::MakeSpan(expected_out))
                  .ok());
          {
            // The AVX2 paths where the machine has AVX-512 paths too.
            internal::ScopedAvx2PathsForTesting avx2_paths;
            ASSERT_FALSE(internal::CpuHasAvx512Vbmi());
            ASSERT_TRUE(avx2_encoder->Encode(steps[t], &avx2).ok());
            ASSERT_TRUE(
                avx2_decoder->Decode(avx2, absl::MakeSpan(avx2_out)).ok());
          }
          {
            internal::ScopedPortablePathsForTesting portable;
            ASSERT_FALSE(internal::CpuHasAvx2Bmi2());
            ASSERT_TRUE(portable_encoder->Encode(steps[t], &actual).ok());
            ASSERT_TRUE(
                portable_decoder->Decode(actual, absl::MakeSpan(actual_out))
                    .ok());
          }
          ASSERT_EQ(actual, expected)
              << MethodName(method) << " coder " << static_cast<int>(coder)
              << " step " << t;
          ASSERT_EQ(avx2, expected)
              << MethodName(method) << " coder " << static_cast<int>(coder)
              << " step " << t << " (AVX2 paths)";
          ASSERT_TRUE(BitIdentical(actual_out, expected_out))
              << MethodName(method) << " step " << t;
          ASSERT_TRUE(BitIdentical(avx2_out, expected_out))
              << MethodName(method) << " step " << t << " (AVX2 paths)";
          // And the state the next packets depend on: the error memory
          // (which can differ in a last bit, under fused multiply-adds,
          // long before a packet shows it).
          const std::vector<float> expected_error(
              vector_encoder->error().begin(), vector_encoder->error().end());
          ASSERT_TRUE(
              BitIdentical(std::vector<float>(portable_encoder->error().begin(),
                                              portable_encoder->error().end()),
                           expected_error))
              << MethodName(method) << " step " << t;
          ASSERT_TRUE(
              BitIdentical(std::vector<float>(avx2_encoder->error().begin(),
                                              avx2_encoder->error().end()),
                           expected_error))
              << MethodName(method) << " step " << t << " (AVX2 paths)";
        }
      }
    }
  }
}

// Spec section 8.2: a writer writes the lowest minor version whose
// features it uses. Methods 1..4 are minor version 0; minor version 1 added
// the shifted methods 5..11, minor version 2 signxor's `adaptive_flips`
// section, which its deltas hold with the adaptive coder (not the fast).
TEST(CodecTest, PacketsCarryTheLowestMinorVersionTheirMethodNeeds) {
  for (uint8_t id = 1; id <= 11; ++id) {
    for (SignCoder coder : {SignCoder::kAdaptive, SignCoder::kFast}) {
      EncoderOptions options;
      options.layout = AwkwardLayout();
      options.method = static_cast<Method>(id);
      options.sign_coder = coder;
      options.shifted.shift = Shift::kNone;  // valid with every compressor
      auto encoder = MakeEncoder(options);
      for (int step = 0; step < 2; ++step) {  // a key and a delta
        Packet packet;
        ASSERT_TRUE(encoder
                        ->Encode(testing::SyntheticGradient(
                                     options.layout.coordinate_count(), step),
                                 &packet)
                        .ok());
        absl::StatusOr<PacketInfo> info = ReadPacketInfo(packet);
        ASSERT_TRUE(info.ok()) << info.status();
        const bool adaptive_flips = id == 4 && step == 1 &&
                                    coder == SignCoder::kAdaptive;
        EXPECT_EQ(info->header.version_minor,
                  id >= 5 ? 1 : adaptive_flips ? 2 : 0)
            << "method " << int{id} << ", step " << step << ", coder "
            << static_cast<int>(coder);
      }
    }
  }
}

TEST(CodecTest, NonFiniteInputIsNamedAndChangesNothing) {
  EncoderOptions options;
  options.layout = AwkwardLayout();
  options.momentum = 0.9f;
  const uint64_t n = options.layout.coordinate_count();
  const auto steps = CorrelatedSteps(n, 6, 40);
  auto clean = MakeEncoder(options);
  auto troubled = MakeEncoder(options);
  for (int t = 0; t < 6; ++t) {
    Packet expected, actual;
    ASSERT_TRUE(clean->Encode(steps[t], &expected).ok());
    if (t == 3) {
      for (float bad : {NAN, INFINITY, -INFINITY}) {
        std::vector<float> poisoned = steps[t];
        // fc2.weight starts after 37*29 + 29 + 1 coordinates.
        poisoned[37 * 29 + 29 + 1 + 42] = bad;
        Packet untouched = {1, 2, 3};
        const absl::Status s = troubled->Encode(poisoned, &untouched);
        EXPECT_EQ(GetErrorCode(s), ErrorCode::kNonFiniteInput);
        EXPECT_NE(s.message().find("'fc2.weight' element 42"),
                  std::string::npos)
            << s.message();
        EXPECT_EQ(untouched, (Packet{1, 2, 3}));
      }
    }
    ASSERT_TRUE(troubled->Encode(steps[t], &actual).ok());
    ASSERT_EQ(actual, expected) << "step " << t;
  }
}

TEST(CodecTest, EmptyZeroAndOneCoordinateLayouts) {
  std::vector<Layout> layouts(3);
  layouts[0].tensors = {{"nothing", {0}, DType::kFloat32, 0}};
  layouts[1].tensors = {{"one", {1}, DType::kFloat32, 4}};
  layouts[2].tensors = {{"zeros", {1000}, DType::kFloat32, 7}};
  for (const Layout& layout : layouts) {
    for (Method method : kMethods) {
      EncoderOptions options;
      options.method = method;
      options.layout = layout;
      auto encoder = MakeEncoder(options);
      auto decoder = MakeDecoder();
      const uint64_t n = layout.coordinate_count();
      for (int t = 0; t < 4; ++t) {
        std::vector<float> input(n, 0.0f);
        if (layout.tensors[0].name == "one") input[0] = t % 2 ? -1.5f : 2.0f;
        Packet packet;
        std::vector<float> delta(n), decoded(n);
        ASSERT_TRUE(encoder->Encode(input, &packet, absl::MakeSpan(delta)).ok());
        ASSERT_TRUE(decoder->Decode(packet, absl::MakeSpan(decoded)).ok())
            << layout.tensors[0].name << " method " << static_cast<int>(method);
        ASSERT_TRUE(BitIdentical(decoded, delta));
      }
    }
  }
}

// A stream of signxor packets to play with.
struct Stream {
  EncoderOptions options;
  std::vector<Packet> packets;
  std::vector<std::vector<float>> deltas;
};

Stream SignXorStream(int steps) {
  Stream stream;
  stream.options.layout = AwkwardLayout();
  auto encoder = MakeEncoder(stream.options);
  const uint64_t n = stream.options.layout.coordinate_count();
  for (const auto& step : CorrelatedSteps(n, steps, 50)) {
    Packet packet;
    std::vector<float> delta(n);
    EXPECT_TRUE(encoder->Encode(step, &packet, absl::MakeSpan(delta)).ok());
    stream.packets.push_back(std::move(packet));
    stream.deltas.push_back(std::move(delta));
  }
  return stream;
}

TEST(CodecTest, DesynchronisedDeltasAreRefusedAndChangeNothing) {
  const Stream stream = SignXorStream(6);
  const uint64_t n = stream.options.layout.coordinate_count();
  std::vector<float> out(n);
  auto decoder = MakeDecoder();
  // No key packet yet.
  EXPECT_EQ(GetErrorCode(decoder->Decode(stream.packets[1], absl::MakeSpan(out))),
            ErrorCode::kReferenceMismatch);
  ASSERT_TRUE(decoder->Decode(stream.packets[0], absl::MakeSpan(out)).ok());
  ASSERT_TRUE(decoder->Decode(stream.packets[1], absl::MakeSpan(out)).ok());
  // Packet 2 lost: 3 is refused, and so is 1 again (a duplicate).
  EXPECT_EQ(GetErrorCode(decoder->Decode(stream.packets[3], absl::MakeSpan(out))),
            ErrorCode::kSequenceMismatch);
  EXPECT_EQ(GetErrorCode(decoder->Decode(stream.packets[1], absl::MakeSpan(out))),
            ErrorCode::kSequenceMismatch);
  // A delta whose reference fingerprint is not the decoder's.
  Packet wrong = stream.packets[2];
  wrong[40] ^= 1;  // reference_fingerprint is bytes 40..47 of the header
  internal::RewriteChecksum(&wrong);
  EXPECT_EQ(GetErrorCode(decoder->Decode(wrong, absl::MakeSpan(out))),
            ErrorCode::kReferenceMismatch);
  // None of that changed the state: packet 2 then decodes exactly.
  ASSERT_TRUE(decoder->Decode(stream.packets[2], absl::MakeSpan(out)).ok());
  EXPECT_TRUE(BitIdentical(out, stream.deltas[2]));
  ASSERT_TRUE(decoder->Decode(stream.packets[3], absl::MakeSpan(out)).ok());
  EXPECT_TRUE(BitIdentical(out, stream.deltas[3]));
}

TEST(CodecTest, RequestedKeyPacketResynchronises) {
  EncoderOptions options;
  options.layout = AwkwardLayout();
  auto encoder = MakeEncoder(options);
  auto late = MakeDecoder();
  const uint64_t n = options.layout.coordinate_count();
  const auto steps = CorrelatedSteps(n, 8, 60);
  std::vector<float> out(n), delta(n);
  for (int t = 0; t < 8; ++t) {
    if (t == 5) encoder->RequestKey();  // the late decoder asked
    Packet packet;
    ASSERT_TRUE(encoder->Encode(steps[t], &packet, absl::MakeSpan(delta)).ok());
    const absl::Status s = late->Decode(packet, absl::MakeSpan(out));
    if (t >= 1 && t < 5) {
      EXPECT_EQ(GetErrorCode(s), ErrorCode::kReferenceMismatch) << t;
    } else if (t >= 5) {
      ASSERT_TRUE(s.ok()) << t << ": " << s;
      EXPECT_TRUE(BitIdentical(out, delta));
    }
    if (t == 0) late = MakeDecoder();  // it missed the first key packet
  }
}

TEST(CodecTest, UnknownMethodsAndForeignSectionsAreRefused) {
  const Stream stream = SignXorStream(2);
  const uint64_t n = stream.options.layout.coordinate_count();
  std::vector<float> out(n);
  Packet unknown = stream.packets[0];
  unknown[9] = 77;  // method_id
  internal::RewriteChecksum(&unknown);
  auto decoder = MakeDecoder();
  EXPECT_EQ(GetErrorCode(decoder->Decode(unknown, absl::MakeSpan(out))),
            ErrorCode::kUnsupportedMethod);
  // The signxor key packet relabelled as method sign: sign packets hold no
  // block scales.
  Packet relabelled = stream.packets[0];
  relabelled[9] = static_cast<uint8_t>(Method::kSign);
  internal::RewriteChecksum(&relabelled);
  EXPECT_EQ(GetErrorCode(decoder->Decode(relabelled, absl::MakeSpan(out))),
            ErrorCode::kSectionPresence);
  // Wrong output size.
  std::vector<float> small(n - 1);
  EXPECT_EQ(GetErrorCode(decoder->Decode(stream.packets[0], absl::MakeSpan(small))),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(decoder->layout(), nullptr);  // nothing was accepted
}

TEST(CodecTest, DecodeAndAddAddsTheWeightedReconstruction) {
  const Stream stream = SignXorStream(5);
  const uint64_t n = stream.options.layout.coordinate_count();
  auto plain = MakeDecoder();
  auto adding = MakeDecoder();
  std::vector<float> sum(n, 1.0f), out(n);
  for (const Packet& packet : stream.packets) {
    ASSERT_TRUE(plain->Decode(packet, absl::MakeSpan(out)).ok());
    std::vector<float> expected = sum;
    for (uint64_t i = 0; i < n; ++i) expected[i] += 0.25f * out[i];
    ASSERT_TRUE(adding->DecodeAndAdd(packet, 0.25f, absl::MakeSpan(sum)).ok());
    ASSERT_TRUE(BitIdentical(sum, expected));
  }
}

TEST(CodecTest, OptionsAreChecked) {
  EncoderOptions options;
  options.layout = AwkwardLayout();
  options.momentum = 1.0f;
  EXPECT_EQ(GetErrorCode(Encoder::Create(options).status()),
            ErrorCode::kInvalidArgument);
  options.momentum = 0;
  options.flip_history = 9;
  EXPECT_EQ(GetErrorCode(Encoder::Create(options).status()),
            ErrorCode::kInvalidArgument);
  options.flip_history = 8;
  EXPECT_TRUE(Encoder::Create(options).ok());
  options.rd_lambda = -1;
  EXPECT_EQ(GetErrorCode(Encoder::Create(options).status()),
            ErrorCode::kInvalidArgument);
  options.rd_lambda = 1;
  options.method = static_cast<Method>(12);
  EXPECT_EQ(GetErrorCode(Encoder::Create(options).status()),
            ErrorCode::kInvalidArgument);
  options.method = Method::kSignXor;
  options.layout.tensors.clear();
  EXPECT_FALSE(Encoder::Create(options).ok());
}

TEST(CodecTest, RestoredStateContinuesTheStreamByteForByte) {
  for (Method method : kMethods) {
    SCOPED_TRACE(::testing::Message() << "method " << static_cast<int>(method));
    EncoderOptions options;
    options.method = method;
    options.layout = AwkwardLayout();
    options.momentum = 0.9f;
    options.key_interval = 4;
    options.target_bits_per_coordinate = 0.3;
    const uint64_t n = options.layout.coordinate_count();
    const auto steps = CorrelatedSteps(n, 10, 70);
    auto original = MakeEncoder(options);
    auto decoder = MakeDecoder();
    std::vector<Packet> packets(10);
    std::vector<uint8_t> encoder_blob, decoder_blob;
    std::vector<std::vector<float>> outputs(10, std::vector<float>(n));
    for (int t = 0; t < 10; ++t) {
      if (t == 6) {
        encoder_blob = original->SaveState();
        decoder_blob = decoder->SaveState();
      }
      ASSERT_TRUE(original->Encode(steps[t], &packets[t]).ok());
      ASSERT_TRUE(decoder->Decode(packets[t], absl::MakeSpan(outputs[t])).ok());
    }
    auto restored = MakeEncoder(options);
    ASSERT_TRUE(restored->RestoreState(encoder_blob).ok());
    auto restored_decoder = MakeDecoder();
    ASSERT_TRUE(restored_decoder->RestoreState(decoder_blob).ok());
    for (int t = 6; t < 10; ++t) {
      Packet packet;
      ASSERT_TRUE(restored->Encode(steps[t], &packet).ok());
      ASSERT_EQ(packet, packets[t]) << "step " << t;
      std::vector<float> out(n);
      ASSERT_TRUE(restored_decoder->Decode(packet, absl::MakeSpan(out)).ok());
      ASSERT_TRUE(BitIdentical(out, outputs[t]));
    }
  }
}

TEST(CodecTest, BadStateBlobsAreRefusedAndChangeNothing) {
  EncoderOptions options;
  options.layout = AwkwardLayout();
  const uint64_t n = options.layout.coordinate_count();
  const auto steps = CorrelatedSteps(n, 4, 80);
  auto encoder = MakeEncoder(options);
  auto twin = MakeEncoder(options);
  Packet a, b;
  ASSERT_TRUE(encoder->Encode(steps[0], &a).ok());
  ASSERT_TRUE(twin->Encode(steps[0], &b).ok());
  const std::vector<uint8_t> blob = encoder->SaveState();
  std::vector<uint8_t> damaged = blob;
  damaged[20] ^= 1;
  EXPECT_EQ(GetErrorCode(twin->RestoreState(damaged)),
            ErrorCode::kChecksumMismatch);
  EXPECT_EQ(GetErrorCode(twin->RestoreState(absl::MakeConstSpan(blob).first(10))),
            ErrorCode::kTruncated);
  damaged = blob;
  damaged[0] = 'X';
  EXPECT_EQ(GetErrorCode(twin->RestoreState(damaged)), ErrorCode::kBadMagic);
  // A decoder's blob is not an encoder's.
  EXPECT_EQ(GetErrorCode(twin->RestoreState(MakeDecoder()->SaveState())),
            ErrorCode::kInvalidField);
  // Another layout, or another method.
  EncoderOptions other = options;
  other.layout.tensors[0].block_size = 32;
  EXPECT_EQ(GetErrorCode(MakeEncoder(other)->RestoreState(blob)),
            ErrorCode::kInvalidArgument);
  other = options;
  other.method = Method::kBlockSign;
  EXPECT_EQ(GetErrorCode(MakeEncoder(other)->RestoreState(blob)),
            ErrorCode::kInvalidArgument);
  // None of it touched the twin: it still writes what the encoder writes.
  for (int t = 1; t < 4; ++t) {
    ASSERT_TRUE(encoder->Encode(steps[t], &a).ok());
    ASSERT_TRUE(twin->Encode(steps[t], &b).ok());
    ASSERT_EQ(a, b);
  }
  auto decoder = MakeDecoder();
  std::vector<uint8_t> decoder_blob = decoder->SaveState();
  decoder_blob[decoder_blob.size() - 1] ^= 0x80;
  EXPECT_EQ(GetErrorCode(decoder->RestoreState(decoder_blob)),
            ErrorCode::kChecksumMismatch);
}

// A blob of state version 1 held six flips per history; restoring it would
// lose the two oldest, so it is refused by name, and nothing changes.
TEST(CodecTest, StateBlobsOfVersionOneAreRefused) {
  EncoderOptions options;
  options.layout = AwkwardLayout();
  const auto steps = CorrelatedSteps(options.layout.coordinate_count(), 2, 81);
  auto encoder = MakeEncoder(options);
  Packet packet;
  ASSERT_TRUE(encoder->Encode(steps[0], &packet).ok());
  std::vector<uint8_t> blob = encoder->SaveState();
  ASSERT_EQ(blob[4], 2);  // state_version
  blob[4] = 1;
  blob.resize(blob.size() - 8);
  const uint64_t checksum = internal::Xxh3(blob);
  for (int i = 0; i < 8; ++i) blob.push_back(static_cast<uint8_t>(checksum >> (8 * i)));
  auto fresh = MakeEncoder(options);
  const absl::Status status = fresh->RestoreState(blob);
  EXPECT_EQ(GetErrorCode(status), ErrorCode::kUnsupportedVersion);
  EXPECT_NE(status.message().find("state_version` is 1"), std::string::npos)
      << status;
  EXPECT_NE(status.message().find("older build"), std::string::npos) << status;
  // The refused restore changed nothing: `fresh` starts with a key.
  ASSERT_TRUE(fresh->Encode(steps[1], &packet).ok());
  EXPECT_TRUE(fresh->last_stats().key);
}

// Spec section 11.7.1: with the adaptive coder, signxor deltas hold
// `adaptive_flips`; the first after a key starts fresh models, the next
// ones carry them on, and the decoder follows bit for bit. A coordinate's
// history reaches back eight packets.
TEST(CodecTest, AdaptiveFlipsCarryTheirModelsFromPacketToPacket) {
  EncoderOptions options;
  options.layout = AwkwardLayout();
  options.sign_coder = SignCoder::kAdaptive;
  options.key_interval = 12;
  const uint64_t n = options.layout.coordinate_count();
  const auto steps = CorrelatedSteps(n, 16, 82);
  auto encoder = MakeEncoder(options);
  auto decoder = MakeDecoder();
  for (size_t t = 0; t < steps.size(); ++t) {
    Packet packet;
    std::vector<float> delta(n), out(n);
    ASSERT_TRUE(encoder->Encode(steps[t], &packet, absl::MakeSpan(delta)).ok());
    ASSERT_TRUE(decoder->Decode(packet, absl::MakeSpan(out)).ok()) << "step " << t;
    ASSERT_TRUE(BitIdentical(out, delta)) << "step " << t;
    absl::StatusOr<internal::ParsedPacket> parsed = internal::ParsePacket(packet);
    ASSERT_TRUE(parsed.ok());
    const bool key = t % 12 == 0;
    EXPECT_EQ(parsed->Find(internal::kFlipsSection), nullptr);
    const internal::SectionView* flips =
        parsed->Find(internal::kAdaptiveFlipsSection);
    if (key) {
      EXPECT_EQ(flips, nullptr) << "step " << t;
      continue;
    }
    ASSERT_NE(flips, nullptr) << "step " << t;
    EXPECT_EQ(SectionTypeName(flips->type), "adaptive_flips");
    ASSERT_GE(flips->payload.size(), 4u);
    EXPECT_EQ(flips->payload[0], 8);  // history_bits, the default
    EXPECT_EQ(flips->payload[1], t % 12 == 1 ? internal::kFreshModels
                                             : internal::kCarriedModels)
        << "step " << t;
  }
}

// Spec section 11.7.2: with the fast coder, signxor deltas of 2^16
// coordinates or more hold `grouped_flips` (minor version 3), a valid
// group table and flips the decoder follows bit for bit; smaller streams
// hold `flips` (minor version 0). Blocks of 1000 coordinates end inside
// the merge's blocks of words, which write the decoder's output as they
// finish (PiecewiseReconstruction), and the last word is partial but for
// 2^16.
TEST(CodecTest, LargeFastDeltasGroupTheirFlipContexts) {
  for (const uint64_t n :
       {uint64_t{1} << 16, (uint64_t{1} << 16) - 1, (uint64_t{1} << 16) + 77}) {
    const bool large = n >= (uint64_t{1} << 16);
    EncoderOptions options;
    options.layout.tensors = {{"w", {n}, DType::kFloat32, 1000}};
    options.sign_coder = SignCoder::kFast;
    const auto steps = CorrelatedSteps(n, 9, 91);
    auto encoder = MakeEncoder(options);
    auto decoder = MakeDecoder();
    uint32_t most_groups = 0;
    for (size_t t = 0; t < steps.size(); ++t) {
      Packet packet;
      std::vector<float> delta(n), out(n);
      ASSERT_TRUE(
          encoder->Encode(steps[t], &packet, absl::MakeSpan(delta)).ok());
      ASSERT_TRUE(decoder->Decode(packet, absl::MakeSpan(out)).ok())
          << "step " << t;
      ASSERT_TRUE(BitIdentical(out, delta)) << "step " << t;
      EXPECT_LE(packet.size(), encoder->MaxPacketSize());
      if (t == 0) continue;  // the key
      absl::StatusOr<PacketInfo> info = ReadPacketInfo(packet);
      ASSERT_TRUE(info.ok());
      EXPECT_EQ(info->header.version_minor, large ? 3 : 0) << "step " << t;
      absl::StatusOr<internal::ParsedPacket> parsed =
          internal::ParsePacket(packet);
      ASSERT_TRUE(parsed.ok());
      const internal::SectionView* grouped =
          parsed->Find(internal::kGroupedFlipsSection);
      EXPECT_EQ(parsed->Find(internal::kFlipsSection) == nullptr, large);
      if (!large) {
        EXPECT_EQ(grouped, nullptr);
        continue;
      }
      ASSERT_NE(grouped, nullptr) << "step " << t;
      EXPECT_EQ(SectionTypeName(grouped->type), "grouped_flips");
      const absl::Span<const uint8_t> payload = grouped->payload;
      ASSERT_GE(payload.size(), 2u + 64);
      EXPECT_EQ(payload[0], 6);  // history_bits: min(flip_history, 6)
      const uint32_t groups = payload[1];
      EXPECT_GE(groups, 1u);
      EXPECT_LE(groups, internal::kMaxFlipGroups);
      for (int c = 0; c < 64; ++c) EXPECT_LT(payload[2 + c], groups);
      most_groups = std::max(most_groups, groups);
    }
    // Once the histories fill, the flips have contexts of different rates.
    if (large) {
      EXPECT_GT(most_groups, 2u);
    }
  }
  // Flips of independent steps, which no coder shrinks: stored bits after
  // the group table, still within MaxPacketSize.
  EncoderOptions options;
  options.layout.tensors = {{"w", {uint64_t{1} << 16}, DType::kFloat32, 0}};
  options.sign_coder = SignCoder::kFast;
  options.rd_lambda = 0;
  auto encoder = MakeEncoder(options);
  for (uint64_t t = 0; t < 3; ++t) {
    Packet packet;
    ASSERT_TRUE(
        encoder
            ->Encode(testing::SyntheticGradient(uint64_t{1} << 16, 500 + t),
                     &packet)
            .ok());
    EXPECT_LE(packet.size(), encoder->MaxPacketSize()) << "step " << t;
  }
}

// An output large enough for streaming stores (internal::
// UseStreamingStores), which Decode writes while the flips are merged: the
// decoder's output is still the encoder's Delta bit for bit, on every
// path (as dispatched, AVX2 forced, portable), with blocks that end inside
// the merge's blocks of words.
TEST(CodecTest, LargeDeltasDecodeWithStreamingStores) {
  const uint64_t n = internal::kStreamingStoreFloats + 77;
  EncoderOptions options;
  options.layout.tensors = {{"w", {n - 1000}, DType::kFloat32, 1000},
                            {"b", {1000}, DType::kFloat32, 333}};
  const auto steps = CorrelatedSteps(n, 4, 92);
  for (const int paths : {0, 1, 2}) {
    SCOPED_TRACE(paths == 2   ? "portable"
                 : paths == 1 ? "AVX2 forced"
                              : "as dispatched");
    std::optional<internal::ScopedAvx2PathsForTesting> avx2_paths;
    std::optional<internal::ScopedPortablePathsForTesting> portable_paths;
    if (paths == 1) avx2_paths.emplace();
    if (paths == 2) portable_paths.emplace();
    auto encoder = MakeEncoder(options);
    auto decoder = MakeDecoder();
    std::vector<float> delta(n), out(n);
    ASSERT_TRUE(internal::UseStreamingStores(out.data(), n));
    for (size_t t = 0; t < steps.size(); ++t) {
      Packet packet;
      ASSERT_TRUE(
          encoder->Encode(steps[t], &packet, absl::MakeSpan(delta)).ok());
      ASSERT_TRUE(decoder->Decode(packet, absl::MakeSpan(out)).ok())
          << "step " << t;
      ASSERT_TRUE(BitIdentical(out, delta)) << "step " << t;
    }
  }
}

// Real gradients (../shared/data/grads): signxor codes the signs of
// consecutive momentum steps in far fewer bits than block_sign.
TEST(CodecTest, SignXorBeatsBlockSignOnRealGradients) {
  if (testing::SharedGradsDir().empty()) GTEST_SKIP() << "no ../shared";
  const std::string folder = testing::SharedGradsDir() + "/digits_mlp_f32";
  auto tensors = testing::ReadSafetensorsF32(folder + "/step_0000.safetensors");
  if (!tensors.ok()) GTEST_SKIP() << tensors.status();
  auto steps = testing::ReadDumpSteps(folder);
  ASSERT_TRUE(steps.ok()) << steps.status();
  Layout layout;
  for (const auto& t : *tensors) {
    layout.tensors.push_back({t.name, t.shape, DType::kFloat32, 256});
  }
  auto bits_per_coordinate = [&](Method method, double lambda) {
    EncoderOptions options;
    options.method = method;
    options.layout = layout;
    options.momentum = 0.9f;
    options.rd_lambda = lambda;
    auto encoder = MakeEncoder(options);
    auto decoder = MakeDecoder();
    const uint64_t n = layout.coordinate_count();
    uint64_t bytes = 0;
    std::vector<float> delta(n), out(n);
    for (const auto& step : *steps) {
      Packet packet;
      EXPECT_TRUE(encoder->Encode(step, &packet, absl::MakeSpan(delta)).ok());
      EXPECT_TRUE(decoder->Decode(packet, absl::MakeSpan(out)).ok());
      EXPECT_TRUE(BitIdentical(out, delta));
      bytes += packet.size();
    }
    return 8.0 * static_cast<double>(bytes) /
           static_cast<double>(n * steps->size());
  };
  const double block_sign = bits_per_coordinate(Method::kBlockSign, 0);
  const double signxor_plain = bits_per_coordinate(Method::kSignXor, 0);
  const double signxor_rd = bits_per_coordinate(Method::kSignXor, 1.25);
  std::printf("bits per coordinate: block_sign %.3f, signxor %.3f, "
              "signxor + RD %.3f\n",
              block_sign, signxor_plain, signxor_rd);
  EXPECT_LT(signxor_plain, 0.8 * block_sign);
  EXPECT_LT(signxor_rd, signxor_plain);
}

}  // namespace
}  // namespace gradcodec
