#include "codec/entropy/frequency_table.h"

#include <bit>

#include "absl/numeric/int128.h"

#include "absl/strings/str_cat.h"
#include "format/byte_writer.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

// Up to this many symbols are listed; beyond it a bitmap is shorter.
constexpr uint64_t kMaxListedSymbols = 32;

// SymbolCostQ16 for every frequency, computed once with integer
// arithmetic only, so that the encoder's choices (and so its output bytes)
// are the same on every platform.
const std::array<uint32_t, kRansScale + 1>& CostTable() {
  static const auto* table = [] {
    auto* t = new std::array<uint32_t, kRansScale + 1>();
    (*t)[0] = 0;
    for (uint32_t f = 1; f <= kRansScale; ++f) {
      (*t)[f] = static_cast<uint32_t>((kRansScaleBits << 16) - Log2Q16(f));
    }
    return t;
  }();
  return *table;
}

// Quotients x / d for many x < 2^64 and one d >= 1, without a division
// each: floor((2^64 - 1) / d) * x / 2^64 falls short of x / d by less
// than one, so the estimate is the quotient or one below it, which the
// remainder tells apart (and cannot overflow: q * d <= x).
class ExactDivider {
 public:
  explicit ExactDivider(uint64_t d) : d_(d), reciprocal_(~uint64_t{0} / d) {}

  uint64_t Divide(uint64_t x) const {
    uint64_t q = absl::Uint128High64(absl::uint128(x) * reciprocal_);
    if (x - q * d_ >= d_) ++q;
    return q;
  }

 private:
  uint64_t d_;
  uint64_t reciprocal_;
};

}  // namespace

uint32_t Log2Q16(uint64_t x) {
  assert(x >= 1);
  const int whole = static_cast<int>(std::bit_width(x)) - 1;
  // Mantissa in [1, 2) as Q30, then 16 fraction bits by repeated squaring
  // (m^2 < 2^62 fits in 64 bits).
  uint64_t m = whole >= 30 ? x >> (whole - 30) : x << (30 - whole);
  uint32_t fraction = 0;
  for (int bit = 15; bit >= 0; --bit) {
    m = (m * m) >> 30;
    if (m >= (uint64_t{2} << 30)) {
      m >>= 1;
      fraction |= 1u << bit;
    }
  }
  return (static_cast<uint32_t>(whole) << 16) | fraction;
}

FrequencyTable NormalizeFrequencies(absl::Span<const uint64_t> weights) {
  FrequencyTable freqs{};
  absl::uint128 total = 0;
  size_t largest = 0;
  for (size_t s = 0; s < weights.size(); ++s) {
    total += weights[s];
    if (weights[s] > weights[largest]) largest = s;
  }
  assert(total > 0);
  // The same quotients in 64 bits when they fit (every caller's weights
  // do), by one reciprocal: the encoder's model choice normalises some
  // 1,200 weights per context each step, and a 64-bit division apiece was
  // a fifth of a 64K-coordinate step's encode (a 128-bit one is a library
  // call). (A zero total, which callers must not pass, divides nothing.)
  const bool narrow =
      absl::Uint128High64(total) == 0 && weights[largest] < (uint64_t{1} << 52);
  const ExactDivider by_total(narrow && total != 0 ? absl::Uint128Low64(total)
                                                   : 1);
  int64_t sum = 0;
  for (size_t s = 0; s < weights.size(); ++s) {
    if (weights[s] == 0) continue;
    const auto scaled = static_cast<uint32_t>(
        narrow ? by_total.Divide(weights[s] * kRansScale)
               : absl::Uint128Low64(absl::uint128(weights[s]) * kRansScale /
                                    total));
    freqs[s] = scaled == 0 ? 1 : scaled;
    sum += freqs[s];
  }
  // Rounding down leaves a surplus, which the most likely symbol takes (the
  // cheapest place for it); raising tiny weights to 1 can overshoot, which
  // the most likely symbol gives back while it keeps at least half its
  // share, and otherwise the largest frequencies one at a time.
  int64_t surplus = static_cast<int64_t>(kRansScale) - sum;
  if (surplus > 0 || -surplus <= freqs[largest] / 2) {
    freqs[largest] = static_cast<uint32_t>(freqs[largest] + surplus);
    surplus = 0;
  }
  while (surplus < 0) {
    size_t biggest = 0;
    for (size_t s = 1; s < freqs.size(); ++s) {
      if (freqs[s] > freqs[biggest]) biggest = s;
    }
    assert(freqs[biggest] > 1);
    --freqs[biggest];
    ++surplus;
  }
  return freqs;
}

void SerializeFrequencyTable(const FrequencyTable& table,
                             std::vector<uint8_t>* out) {
  ByteWriter writer(out);
  uint64_t count = 0;
  for (uint32_t f : table) count += f != 0;
  writer.WriteVarint(count);
  if (count <= kMaxListedSymbols) {
    for (size_t s = 0; s < 256; ++s) {
      if (table[s] != 0) writer.WriteU8(static_cast<uint8_t>(s));
    }
  } else {
    for (size_t byte = 0; byte < 32; ++byte) {
      uint8_t bits = 0;
      for (size_t bit = 0; bit < 8; ++bit) {
        if (table[byte * 8 + bit] != 0) bits |= static_cast<uint8_t>(1 << bit);
      }
      writer.WriteU8(bits);
    }
  }
  for (uint32_t f : table) {
    if (f != 0) writer.WriteVarint(f);
  }
}

absl::StatusOr<FrequencyTable> ParseFrequencyTable(ByteReader& reader) {
  uint64_t count = 0;
  if (absl::Status s = reader.ReadVarint("table_symbol_count", &count);
      !s.ok()) {
    return s;
  }
  if (count < 1 || count > 256) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("frequency table field `table_symbol_count` "
                                  "is ",
                                  count, "; it must be 1..256"));
  }
  std::array<bool, 256> present{};
  if (count <= kMaxListedSymbols) {
    int previous = -1;
    for (uint64_t i = 0; i < count; ++i) {
      uint8_t symbol = 0;
      if (absl::Status s = reader.ReadU8("symbols", &symbol); !s.ok()) return s;
      if (symbol <= previous) {
        return MakeError(ErrorCode::kCorruptPayload,
                         absl::StrCat("frequency table field `symbols` lists ",
                                      symbol, " after ", previous,
                                      "; symbols must strictly increase"));
      }
      previous = symbol;
      present[symbol] = true;
    }
  } else {
    uint64_t listed = 0;
    for (size_t byte = 0; byte < 32; ++byte) {
      uint8_t bits = 0;
      if (absl::Status s = reader.ReadU8("symbol_bitmap", &bits); !s.ok()) {
        return s;
      }
      for (size_t bit = 0; bit < 8; ++bit) {
        present[byte * 8 + bit] = (bits >> bit) & 1;
      }
      listed += static_cast<uint64_t>(std::popcount(bits));
    }
    if (listed != count) {
      return MakeError(ErrorCode::kCorruptPayload,
                       absl::StrCat("frequency table field `symbol_bitmap` "
                                    "has ",
                                    listed, " bits set; `table_symbol_count` is ",
                                    count));
    }
  }
  FrequencyTable table{};
  uint64_t sum = 0;
  for (size_t s = 0; s < 256; ++s) {
    if (!present[s]) continue;
    uint64_t f = 0;
    if (absl::Status st = reader.ReadVarint("frequency", &f); !st.ok()) {
      return st;
    }
    if (f < 1 || f > kRansScale) {
      return MakeError(ErrorCode::kCorruptPayload,
                       absl::StrCat("frequency table field `frequency` of "
                                    "symbol ",
                                    s, " is ", f, "; it must be 1..4096"));
    }
    table[s] = static_cast<uint32_t>(f);
    sum += f;
  }
  if (sum != kRansScale) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("frequency table frequencies sum to ", sum,
                                  "; they must sum to 4096"));
  }
  return table;
}

void BuildEncodeTable(const FrequencyTable& table, RansEncodeTable* out) {
  uint32_t start = 0;
  for (size_t s = 0; s < 256; ++s) {
    if (table[s] != 0) {
      const uint32_t freq = table[s];
      out->symbols[s] = MakeRansEncSymbol(start, freq);
      uint32_t shift = 0;  // ceil(log2(freq))
      while (freq > (1u << shift)) ++shift;
      const uint32_t rcp_shift = freq < 2 ? 0 : shift - 1;
      const uint64_t rcp32 =
          freq < 2 ? ~uint32_t{0}
                   : ((uint64_t{1} << (shift + 31)) + freq - 1) / freq;
      const uint64_t fields = out->symbols[s].bias |
                              (out->symbols[s].cmpl_freq << 13) |
                              (rcp_shift << 25);
      out->vector_symbols[s] = rcp32 | fields << 32;
      start += freq;
    } else {
      out->symbols[s] = RansEncSymbol{};
      out->vector_symbols[s] = 0;
    }
  }
}

void BuildDecodeTable(const FrequencyTable& table, RansDecodeTable* out) {
  uint32_t start = 0;
  for (size_t s = 0; s < 256; ++s) {
    for (uint32_t k = 0; k < table[s]; ++k) {
      out->slots[start + k] =
          RansDecodeTable::Pack(static_cast<uint8_t>(s), table[s], k);
    }
    start += table[s];
  }
}

uint32_t SymbolCostQ16(uint32_t freq) { return CostTable()[freq]; }

uint64_t CodedCostQ16(const FrequencyTable& table,
                      absl::Span<const uint64_t> counts) {
  uint64_t cost = 0;
  for (size_t s = 0; s < counts.size(); ++s) {
    if (counts[s] != 0) cost += counts[s] * SymbolCostQ16(table[s]);
  }
  return cost;
}

}  // namespace gradcodec::internal
