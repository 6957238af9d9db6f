// dither: QSGD random dithering with s levels and a norm per block
// (Alistarh et al. 2017; spec/FORMAT.md section 11.11.3).
//
//   payload = norms (prefixed byte stream: B float32, little-endian)
//             levels (prefixed byte stream: n symbols in 0..s)
//             signs (bit stream of the nonzero levels, to the end)
//   Q(x)_i  = +-(norm_b / s) * level_i, in float32, negative where the
//             sign bit is 1
#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/shifted/compressor_parts.h"
#include "codec/shifted/payload_parts.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

// The blocks' boundaries; one block of all coordinates when none are
// given (a layout without blocks).
std::vector<uint64_t> Boundaries(absl::Span<const uint64_t> block_starts,
                                 uint64_t n) {
  if (!block_starts.empty()) {
    return std::vector<uint64_t>(block_starts.begin(), block_starts.end());
  }
  return n == 0 ? std::vector<uint64_t>{} : std::vector<uint64_t>{0, n};
}

// The reconstruction of every coordinate from the decoded fields; shared by
// both sides so they agree bit for bit.
void Rebuild(absl::Span<const uint64_t> starts, absl::Span<const float> norms,
             uint32_t levels, absl::Span<const uint8_t> level_of,
             const std::vector<uint64_t>& signs, absl::Span<float> q) {
  uint64_t nonzero = 0;
  for (size_t b = 0; b + 1 < starts.size(); ++b) {
    const float unit = norms[b] / static_cast<float>(levels);
    for (uint64_t i = starts[b]; i < starts[b + 1]; ++i) {
      float value = unit * static_cast<float>(level_of[i]);
      if (level_of[i] != 0 && BitAt(signs, nonzero++)) value = -value;
      q[i] = value;
    }
  }
}

}  // namespace

void CompressDither(const CompressorConfig& config, absl::Span<const float> x,
                    absl::Span<const uint64_t> block_starts, SplitMix64& own,
                    std::vector<uint8_t>* payload, absl::Span<float> q) {
  const uint64_t n = x.size();
  const uint32_t s = config.levels;
  const std::vector<uint64_t> starts = Boundaries(block_starts, n);
  const size_t blocks = starts.empty() ? 0 : starts.size() - 1;
  std::vector<float> norms(blocks);
  std::vector<uint8_t> norm_bytes, level_of(n);
  ByteWriter norm_writer(&norm_bytes);
  std::vector<uint64_t> signs(BitWords(n), 0);
  uint64_t nonzero = 0;
  for (size_t b = 0; b < blocks; ++b) {
    double sum = 0;
    for (uint64_t i = starts[b]; i < starts[b + 1]; ++i) {
      sum += static_cast<double>(x[i]) * x[i];
    }
    // A norm beyond float32 saturates; levels are clamped to s below, so
    // the block is then merely biased, not broken.
    const float norm =
        static_cast<float>(std::min(std::sqrt(sum), static_cast<double>(FLT_MAX)));
    norms[b] = norm;
    norm_writer.WriteU32(std::bit_cast<uint32_t>(norm));
    for (uint64_t i = starts[b]; i < starts[b + 1]; ++i) {
      uint32_t level = 0;
      if (norm > 0) {
        const double r = s * std::fabs(static_cast<double>(x[i])) / norm;
        const double floor = std::floor(r);
        level = static_cast<uint32_t>(floor) + (own.NextDouble() < r - floor);
        level = std::min(level, s);
      }
      level_of[i] = static_cast<uint8_t>(level);
      if (level != 0) {
        if (x[i] < 0) signs[nonzero >> 6] |= uint64_t{1} << (nonzero & 63);
        ++nonzero;
      }
    }
  }
  WritePrefixedByteStream(norm_bytes, ByteStreamOptions{}, payload);
  WritePrefixedByteStream(level_of, ByteStreamOptions{}, payload);
  WriteSignBits(signs, nonzero, payload);
  Rebuild(starts, norms, s, level_of, signs, q);
}

absl::Status DecompressDither(const CompressorConfig& config,
                              absl::Span<const uint8_t> payload,
                              absl::Span<const uint64_t> block_starts,
                              absl::Span<float> q) {
  const uint64_t n = q.size();
  const std::vector<uint64_t> starts = Boundaries(block_starts, n);
  const size_t blocks = starts.empty() ? 0 : starts.size() - 1;
  ByteReader reader(payload);
  std::vector<uint8_t> norm_bytes, level_of;
  if (absl::Status s =
          ReadPrefixedByteStream(reader, "norms", 4 * blocks, &norm_bytes);
      !s.ok()) {
    return s;
  }
  std::vector<float> norms(blocks);
  if (absl::Status s = WidenValues(norm_bytes, ValueFormat::kFp32, "norms",
                                   absl::MakeSpan(norms));
      !s.ok()) {
    return s;
  }
  for (size_t b = 0; b < blocks; ++b) {
    if (std::signbit(norms[b])) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("`norms` entry ", b, " is negative"));
    }
  }
  if (absl::Status s = ReadPrefixedByteStream(reader, "levels", n, &level_of);
      !s.ok()) {
    return s;
  }
  uint64_t nonzero = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (level_of[i] > config.levels) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("`levels` entry ", i, " is ",
                                    level_of[i], "; `levels` is ",
                                    config.levels));
    }
    nonzero += level_of[i] != 0;
  }
  std::vector<uint64_t> signs;
  if (absl::Status s =
          ReadSignBits(payload.subspan(reader.position()), nonzero, &signs);
      !s.ok()) {
    return s;
  }
  Rebuild(starts, norms, config.levels, level_of, signs, q);
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
