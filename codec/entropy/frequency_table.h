// Static frequency tables for the rANS coders (spec/FORMAT.md, "Frequency
// tables"): quantisation of counts or model weights to frequencies summing
// to 4096, their compact serialisation, and the encode and decode tables
// built from them.
#ifndef GRADCODEC_CODEC_ENTROPY_FREQUENCY_TABLE_H_
#define GRADCODEC_CODEC_ENTROPY_FREQUENCY_TABLE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "codec/entropy/rans_core.h"
#include "format/byte_reader.h"

namespace gradcodec::internal {

// freqs[s] for each byte symbol s; zero for symbols that cannot occur.
using FrequencyTable = std::array<uint32_t, 256>;

// Quantises `weights` (counts, or model probabilities in fixed point) to a
// table summing to kRansScale in which every symbol of non-zero weight has a
// frequency of at least 1. Integer arithmetic only, so encoder and decoder
// derive identical tables on every platform. At least one weight must be
// non-zero and at most kRansScale weights may be.
FrequencyTable NormalizeFrequencies(absl::Span<const uint64_t> weights);

// Appends the table: varint table_symbol_count; the symbols (a list when there are
// at most 32, else a 32-byte presence bitmap); a varint frequency each.
void SerializeFrequencyTable(const FrequencyTable& table,
                             std::vector<uint8_t>* out);

// Parses a serialised table and checks that it sums to kRansScale.
absl::StatusOr<FrequencyTable> ParseFrequencyTable(ByteReader& reader);

// The per-symbol encoder records and the decode table of a valid table.
struct RansEncodeTable {
  std::array<RansEncSymbol, 256> symbols;
  // The same division in the 32-bit form vector encoders use (ryg_rans's
  // rans_byte.h): x / freq = mulhi32(x, rcp32) >> rcp_shift for x < 2^31,
  // with rcp32 = 2^32 - 1 and rcp_shift = 0 for freq 1 (the bias corrects
  // it as in RansEncSymbol). One 64-bit load per symbol: rcp32 in the low
  // half, then bias (13 bits), M - freq (12 bits) and rcp_shift (4 bits).
  std::array<uint64_t, 256> vector_symbols;
};
void BuildEncodeTable(const FrequencyTable& table, RansEncodeTable* out);
void BuildDecodeTable(const FrequencyTable& table, RansDecodeTable* out);

// Exact cost in bits of coding `counts` with `table` (counts of symbols the
// table gives frequency 0 must be 0), in 1/65536 bit units: used to choose
// between coders. Integer arithmetic with a fixed log2 table.
uint64_t CodedCostQ16(const FrequencyTable& table,
                      absl::Span<const uint64_t> counts);

// -log2(freq / kRansScale) in 1/65536 bit units, for freq in [1, 4096].
uint32_t SymbolCostQ16(uint32_t freq);

// log2(x) in 1/65536 units (rounded down), for x >= 1; integer arithmetic.
uint32_t Log2Q16(uint64_t x);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_FREQUENCY_TABLE_H_
