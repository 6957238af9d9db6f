#include "cli/commands/reconstruction_moments.h"

#include <algorithm>
#include <array>
#include <bit>

namespace gradcodec::cli {
namespace {

// For a byte of sign bits, the eight float sign masks they stand for (bit k
// set: 0x80000000 in lane k). XORing a lane with its mask multiplies it by
// its sign, in a loop the compiler vectorises.
using LaneMasks = std::array<uint32_t, 8>;
constexpr std::array<LaneMasks, 256> kSignMasks = [] {
  std::array<LaneMasks, 256> table{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    for (uint32_t k = 0; k < 8; ++k) {
      table[byte][k] = ((byte >> k) & 1) << 31;
    }
  }
  return table;
}();

// 64 bits of `words` from bit `at` on (zero past the end).
uint64_t BitWindow(absl::Span<const uint64_t> words, uint64_t at) {
  const uint64_t word = at >> 6;
  const uint64_t shift = at & 63;
  uint64_t bits = words[word] >> shift;
  if (shift != 0 && word + 1 < words.size()) bits |= words[word + 1] << (64 - shift);
  return bits;
}

// Over coordinates [begin, end) of one block: sum v_i^2 and sum s_i v_i.
// Float lanes (eight, flushed to double every 64 coordinates) keep it
// vectorised and the sums accurate far beyond what the reports print.
void SignedSums(const float* v, absl::Span<const uint64_t> signs,
                uint64_t begin, uint64_t end, double* squares,
                double* signed_sum) {
  uint64_t i = begin;
  for (; i + 64 <= end; i += 64) {
    const uint64_t bits = BitWindow(signs, i);
    float sq[8] = {}, sv[8] = {};
    for (uint64_t group = 0; group < 8; ++group) {
      const LaneMasks& mask = kSignMasks[(bits >> (8 * group)) & 0xFF];
      const float* x = v + i + 8 * group;
      for (uint64_t k = 0; k < 8; ++k) {
        sq[k] += x[k] * x[k];
        sv[k] += std::bit_cast<float>(std::bit_cast<uint32_t>(x[k]) ^ mask[k]);
      }
    }
    for (uint64_t k = 0; k < 8; ++k) {
      *squares += sq[k];
      *signed_sum += sv[k];
    }
  }
  for (; i < end; ++i) {
    const bool negative = (signs[i >> 6] >> (i & 63)) & 1;
    *squares += double{v[i]} * v[i];
    *signed_sum += negative ? -v[i] : v[i];
  }
}

// Bits of `a` XOR `b` set over [begin, end).
uint64_t DifferingBits(absl::Span<const uint64_t> a,
                       absl::Span<const uint64_t> b, uint64_t begin,
                       uint64_t end) {
  uint64_t count = 0;
  for (uint64_t i = begin; i < end; i += 64) {
    uint64_t differ = BitWindow(a, i) ^ BitWindow(b, i);
    if (end - i < 64) differ &= (uint64_t{1} << (end - i)) - 1;
    count += static_cast<uint64_t>(std::popcount(differ));
  }
  return count;
}

}  // namespace

ReconstructionMoments MeasureReconstruction(
    absl::Span<const float> v, const SignedScales& delta,
    absl::Span<const uint64_t> previous_signs, uint64_t begin, uint64_t end) {
  ReconstructionMoments m;
  if (begin >= end || delta.block_starts.size() < 2) return m;
  // The blocks that overlap [begin, end) (method sign's one block spans
  // every tensor; the others' blocks never straddle tensors).
  const auto& starts = delta.block_starts;
  size_t b = static_cast<size_t>(
      std::upper_bound(starts.begin(), starts.end(), begin) - starts.begin() - 1);
  for (; b + 1 < starts.size() && starts[b] < end; ++b) {
    const uint64_t from = std::max(begin, starts[b]);
    const uint64_t to = std::min(end, starts[b + 1]);
    if (from >= to) continue;
    double squares = 0, signed_sum = 0;
    SignedSums(v.data(), delta.signs, from, to, &squares, &signed_sum);
    // Delta_i = alpha s_i: ||Delta||^2 = |b| alpha^2, <Delta, v> =
    // alpha sum s_i v_i, and ||Delta - v||^2 from those, per block (where
    // the terms are of one size, so the difference keeps its digits).
    const double alpha = delta.scales[b];
    const double out_squares = static_cast<double>(to - from) * alpha * alpha;
    const double dot = alpha * signed_sum;
    m.reference_squares += squares;
    m.output_squares += out_squares;
    m.dot += dot;
    m.error_squares += std::max(0.0, squares - 2 * dot + out_squares);
  }
  if (!previous_signs.empty()) {
    m.flips = DifferingBits(delta.signs, previous_signs, begin, end);
  }
  return m;
}

ReconstructionMoments MeasureDenseReconstruction(absl::Span<const float> v,
                                                 absl::Span<const float> delta,
                                                 uint64_t begin, uint64_t end) {
  // Eight float lanes flushed to double every 64 coordinates, as above.
  ReconstructionMoments m;
  uint64_t i = begin;
  for (; i + 64 <= end; i += 64) {
    float e[8] = {}, r2[8] = {}, d2[8] = {}, dr[8] = {};
    for (uint64_t j = 0; j < 64; j += 8) {
      for (uint64_t k = 0; k < 8; ++k) {
        const float d = delta[i + j + k], r = v[i + j + k], diff = d - r;
        e[k] += diff * diff;
        r2[k] += r * r;
        d2[k] += d * d;
        dr[k] += d * r;
      }
    }
    for (uint64_t k = 0; k < 8; ++k) {
      m.error_squares += e[k];
      m.reference_squares += r2[k];
      m.output_squares += d2[k];
      m.dot += dr[k];
    }
  }
  for (; i < end; ++i) {
    const double d = delta[i], r = v[i];
    m.error_squares += (d - r) * (d - r);
    m.reference_squares += r * r;
    m.output_squares += d * d;
    m.dot += d * r;
  }
  return m;
}

}  // namespace gradcodec::cli
