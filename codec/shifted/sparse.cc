// top_k and rand_k (spec/FORMAT.md sections 11.11.1 and 11.11.2).
#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/shifted/compressor_parts.h"
#include "codec/shifted/packet_random.h"
#include "codec/shifted/payload_parts.h"
#include "format/byte_reader.h"
#include "format/varint.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

// Values of the kept coordinates: a byte stream to the end of the payload.
void WriteValues(absl::Span<const float> values, ValueFormat format,
                 std::vector<uint8_t>* payload, absl::Span<float> widened) {
  std::vector<uint8_t> bytes;
  bytes.reserve(values.size() * ValueWidth(format));
  NarrowValues(values, format, &bytes, widened);
  EncodeByteStream(bytes, ByteStreamOptions{}, payload);
}

absl::Status ReadValues(absl::Span<const uint8_t> payload, ValueFormat format,
                        absl::Span<float> values) {
  std::vector<uint8_t> bytes;
  if (absl::Status s = ReadWholeByteStream(payload, "values",
                                           values.size() * ValueWidth(format),
                                           &bytes);
      !s.ok()) {
    return s;
  }
  return WidenValues(bytes, format, "values", values);
}

}  // namespace

void CompressTopK(const CompressorConfig& config, absl::Span<const float> x,
                  std::vector<uint8_t>* payload, absl::Span<float> q) {
  const uint64_t n = x.size();
  const uint64_t k = config.k;
  std::vector<uint64_t> order(n);
  std::iota(order.begin(), order.end(), uint64_t{0});
  // Largest magnitude first, the lower index first among equals, so the
  // selection is a function of x alone.
  auto larger = [&x](uint64_t a, uint64_t b) {
    const float fa = std::fabs(x[a]), fb = std::fabs(x[b]);
    return fa > fb || (fa == fb && a < b);
  };
  if (k < n) {
    std::nth_element(order.begin(), order.begin() + static_cast<ptrdiff_t>(k),
                     order.end(), larger);
  }
  order.resize(k);
  std::sort(order.begin(), order.end());

  // index_gaps: i_0, then i_j - i_(j-1) - 1, as varints.
  std::vector<uint8_t> gaps;
  gaps.reserve(k * 2);
  std::vector<float> values(k), widened(k);
  uint64_t next = 0;
  for (uint64_t j = 0; j < k; ++j) {
    uint8_t buffer[kMaxVarintLength];
    const size_t length = EncodeVarint(order[j] - next, buffer);
    gaps.insert(gaps.end(), buffer, buffer + length);
    next = order[j] + 1;
    values[j] = x[order[j]];
  }
  WritePrefixedByteStream(gaps, ByteStreamOptions{}, payload);
  WriteValues(values, config.values, payload, absl::MakeSpan(widened));
  std::fill(q.begin(), q.end(), 0.0f);
  for (uint64_t j = 0; j < k; ++j) q[order[j]] = widened[j];
}

absl::Status DecompressTopK(const CompressorConfig& config,
                            absl::Span<const uint8_t> payload,
                            absl::Span<float> q) {
  const uint64_t n = q.size();
  const uint64_t k = config.k;
  ByteReader reader(payload);
  absl::Span<const uint8_t> gap_stream;
  if (absl::Status s = reader.ReadLengthPrefixed("index_gaps",
                                                 reader.remaining(), &gap_stream);
      !s.ok()) {
    return s;
  }
  // A gap is a varint of at most 10 bytes.
  std::vector<uint8_t> gaps;
  if (absl::Status s = DecodeByteStream(gap_stream, kMaxVarintLength * k, &gaps);
      !s.ok()) {
    return s;
  }
  std::vector<uint64_t> indices(k);
  absl::Span<const uint8_t> rest(gaps);
  uint64_t next = 0;
  for (uint64_t j = 0; j < k; ++j) {
    uint64_t gap = 0;
    const VarintDecodeResult r = DecodeVarint(rest, &gap);
    if (r.error != VarintError::kNone) {
      return MakeError(ErrorCode::kCorruptPayload,
                       absl::StrCat("`index_gaps` varint ", j,
                                    " is malformed or missing"));
    }
    rest.remove_prefix(r.length);
    // next <= n, so n - next cannot wrap; the test avoids next + gap
    // overflowing.
    if (gap >= n - next) {
      return MakeError(ErrorCode::kCorruptPayload,
                       absl::StrCat("`index_gaps` entry ", j,
                                    " points past coordinate ", n - 1));
    }
    indices[j] = next + gap;
    next = indices[j] + 1;
  }
  if (!rest.empty()) {
    return MakeError(ErrorCode::kCorruptPayload,
                     "bytes remain in `index_gaps` after the last gap");
  }
  std::vector<float> values(k);
  if (absl::Status s = ReadValues(payload.subspan(reader.position()),
                                  config.values, absl::MakeSpan(values));
      !s.ok()) {
    return s;
  }
  std::fill(q.begin(), q.end(), 0.0f);
  for (uint64_t j = 0; j < k; ++j) q[indices[j]] = values[j];
  return absl::OkStatus();
}

std::vector<uint64_t> RandKIndices(uint64_t n, uint64_t k, SplitMix64& shared) {
  // Floyd's sampling: for j = n - k .. n - 1, draw t = Uniform(j + 1) and
  // take t, or j when t is already taken. Every k-subset is equally likely,
  // with exactly k draws, whatever k.
  std::vector<uint64_t> taken(BitWords(n), 0);
  for (uint64_t j = n - k; j < n; ++j) {
    uint64_t t = UniformBelow(shared, j + 1);
    if (((taken[t >> 6] >> (t & 63)) & 1u) != 0) t = j;
    taken[t >> 6] |= uint64_t{1} << (t & 63);
  }
  std::vector<uint64_t> indices;
  indices.reserve(k);
  for (uint64_t w = 0; w < taken.size(); ++w) {
    for (uint64_t bits = taken[w]; bits != 0; bits &= bits - 1) {
      indices.push_back(w * 64 + static_cast<uint64_t>(std::countr_zero(bits)));
    }
  }
  return indices;
}

namespace {

// d/k as float32 (spec: `rand_k_scale`).
float RandKScale(uint64_t n, uint64_t k) {
  return static_cast<float>(static_cast<double>(n) / static_cast<double>(k));
}

}  // namespace

void CompressRandK(const CompressorConfig& config, absl::Span<const float> x,
                   SplitMix64& shared, std::vector<uint8_t>* payload,
                   absl::Span<float> q) {
  const uint64_t n = x.size();
  const std::vector<uint64_t> indices = RandKIndices(n, config.k, shared);
  std::vector<float> values(indices.size()), widened(indices.size());
  for (size_t j = 0; j < indices.size(); ++j) values[j] = x[indices[j]];
  WriteValues(values, config.values, payload, absl::MakeSpan(widened));
  std::fill(q.begin(), q.end(), 0.0f);
  if (indices.empty()) return;
  const float scale = RandKScale(n, config.k);
  for (size_t j = 0; j < indices.size(); ++j) {
    q[indices[j]] = scale * widened[j];
  }
}

absl::Status DecompressRandK(const CompressorConfig& config,
                             absl::Span<const uint8_t> payload,
                             SplitMix64& shared, absl::Span<float> q) {
  const uint64_t n = q.size();
  std::vector<float> values(config.k);
  if (absl::Status s = ReadValues(payload, config.values, absl::MakeSpan(values));
      !s.ok()) {
    return s;
  }
  const std::vector<uint64_t> indices = RandKIndices(n, config.k, shared);
  std::fill(q.begin(), q.end(), 0.0f);
  if (indices.empty()) return absl::OkStatus();
  const float scale = RandKScale(n, config.k);
  for (size_t j = 0; j < indices.size(); ++j) q[indices[j]] = scale * values[j];
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
