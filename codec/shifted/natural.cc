// natural: stochastic rounding of each |x_i| to a power of two (Horvath et
// al., "Natural compression for distributed deep learning";
// spec/FORMAT.md section 11.11.4).
//
//   payload = exponents (prefixed byte stream: n symbols; 0 for a zero,
//             otherwise the biased float32 exponent 1..254 of the power)
//             signs (bit stream of the nonzero symbols, to the end)
//
// |x| in [2^e, 2^(e+1)) becomes 2^(e+1) with probability |x| / 2^e - 1,
// else 2^e: unbiased, and E(Q - x)^2 <= x^2 / 8. Below 2^-126 the two
// candidates are 0 and 2^-126; from 2^127 up the result is 2^127 (no
// larger power of two is a float32), the one biased case.
#include <bit>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "codec/entropy/context_bit_coder.h"
#include "codec/shifted/compressor_parts.h"
#include "codec/shifted/payload_parts.h"
#include "format/byte_reader.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

inline constexpr uint8_t kMaxExponentSymbol = 254;

void Rebuild(absl::Span<const uint8_t> exponents,
             const std::vector<uint64_t>& signs, absl::Span<float> q) {
  uint64_t nonzero = 0;
  for (size_t i = 0; i < exponents.size(); ++i) {
    if (exponents[i] == 0) {
      q[i] = 0.0f;
      continue;
    }
    const uint32_t sign = BitAt(signs, nonzero++) ? 0x80000000u : 0;
    q[i] = std::bit_cast<float>(sign | static_cast<uint32_t>(exponents[i]) << 23);
  }
}

}  // namespace

void CompressNatural(absl::Span<const float> x, SplitMix64& own,
                     std::vector<uint8_t>* payload, absl::Span<float> q) {
  const uint64_t n = x.size();
  std::vector<uint8_t> exponents(n);
  std::vector<uint64_t> signs(BitWords(n), 0);
  uint64_t nonzero = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const uint32_t bits = std::bit_cast<uint32_t>(x[i]);
    const uint32_t magnitude = bits & 0x7FFFFFFFu;
    const uint32_t biased = magnitude >> 23;
    uint32_t symbol = 0;
    if (magnitude == 0) {
      symbol = 0;
    } else if (biased == 0) {
      // Subnormal: 0 or 2^-126, up with probability |x| / 2^-126.
      const double up = std::ldexp(static_cast<double>(magnitude), -23);
      symbol = own.NextDouble() < up ? 1 : 0;
    } else if (biased == kMaxExponentSymbol) {
      symbol = kMaxExponentSymbol;
    } else {
      // |x| = 2^e (1 + f), f the mantissa fraction: up with probability f.
      const double up = std::ldexp(static_cast<double>(magnitude & 0x7FFFFFu), -23);
      symbol = biased + (own.NextDouble() < up ? 1 : 0);
    }
    exponents[i] = static_cast<uint8_t>(symbol);
    if (symbol != 0) {
      if ((bits >> 31) != 0) signs[nonzero >> 6] |= uint64_t{1} << (nonzero & 63);
      ++nonzero;
    }
  }
  WritePrefixedByteStream(exponents, ByteStreamOptions{}, payload);
  WriteSignBits(signs, nonzero, payload);
  Rebuild(exponents, signs, q);
}

absl::Status DecompressNatural(absl::Span<const uint8_t> payload,
                               absl::Span<float> q) {
  const uint64_t n = q.size();
  ByteReader reader(payload);
  std::vector<uint8_t> exponents;
  if (absl::Status s = ReadPrefixedByteStream(reader, "exponents", n, &exponents);
      !s.ok()) {
    return s;
  }
  uint64_t nonzero = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (exponents[i] > kMaxExponentSymbol) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("`exponents` entry ", i,
                                    " is 255; it must be 0..254"));
    }
    nonzero += exponents[i] != 0;
  }
  std::vector<uint64_t> signs;
  if (absl::Status s =
          ReadSignBits(payload.subspan(reader.position()), nonzero, &signs);
      !s.ok()) {
    return s;
  }
  Rebuild(exponents, signs, q);
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
