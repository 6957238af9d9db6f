#include "codec/entropy/rans_stream.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {

RansStreamEncoder::RansStreamEncoder(size_t max_symbols)
    // Each symbol emits at most one 16-bit word, and RansEncPut stores one
    // below the cursor even when it keeps it: room for one word more.
    : buffer_(new uint8_t[2 * max_symbols + 4]),
      end_(buffer_.get() + 2 * max_symbols + 4),
      cursor_(end_) {
  for (uint32_t& state : states_) state = kRansLow;
}

void RansStreamEncoder::Finish(std::vector<uint8_t>* out) {
  const size_t words = static_cast<size_t>(end_ - cursor_);
  const size_t start = out->size();
  out->resize(start + kRansStateBytes + words);
  uint8_t* p = out->data() + start;
  for (uint32_t state : states_) {
    for (int i = 0; i < 4; ++i) *p++ = static_cast<uint8_t>(state >> (8 * i));
  }
  std::memcpy(p, cursor_, words);
}

void RansStreamEncoder::PutAll(size_t first_index,
                               absl::Span<const uint8_t> symbols,
                               const RansEncodeTable& table) {
  // Raw pointers in the hot loops: Debian's Abseil is built hardened, and a
  // bounds check per Span index costs more than the rest of a symbol.
  const uint8_t* const in = symbols.data();
  size_t k = symbols.size();
  // Single steps until the next index to put is the last of a lane group.
  while (k > 0 && (first_index + k) % kRansLanes != 0) {
    --k;
    Put(first_index + k, table.symbols[in[k]]);
  }
  uint32_t x0 = states_[0], x1 = states_[1], x2 = states_[2], x3 = states_[3];
  uint8_t* cursor = cursor_;
  for (; k >= kRansLanes; k -= kRansLanes) {
    RansEncPut(x3, cursor, table.symbols[in[k - 1]]);
    RansEncPut(x2, cursor, table.symbols[in[k - 2]]);
    RansEncPut(x1, cursor, table.symbols[in[k - 3]]);
    RansEncPut(x0, cursor, table.symbols[in[k - 4]]);
  }
  states_[0] = x0, states_[1] = x1, states_[2] = x2, states_[3] = x3;
  cursor_ = cursor;
  while (k > 0) {
    --k;
    Put(first_index + k, table.symbols[in[k]]);
  }
}

void RansStreamDecoder::GetAll(size_t first_index, absl::Span<uint8_t> symbols,
                               const RansDecodeTable& table) {
  uint8_t* const out = symbols.data();  // raw: see PutAll
  size_t k = 0;
  const size_t n = symbols.size();
  while (k < n && (first_index + k) % kRansLanes != 0) {
    out[k] = Get(first_index + k, table);
    ++k;
  }
  uint32_t x0 = states_[0], x1 = states_[1], x2 = states_[2], x3 = states_[3];
  // Locals, not members: stores to `out` (bytes, which may alias anything)
  // would otherwise make the compiler reload them for every symbol.
  const uint8_t* cursor = cursor_;
  const uint8_t* const end = end_;
  bool overrun = overrun_;
  // A group of four symbols reads at most four words: check once per group.
  for (; k + kRansLanes <= n && end - cursor >= 2 * kRansLanes;
       k += kRansLanes) {
    out[k] = RansDecStep(x0, table);
    out[k + 1] = RansDecStep(x1, table);
    out[k + 2] = RansDecStep(x2, table);
    out[k + 3] = RansDecStep(x3, table);
    // Lane i's word, if it takes one, follows the words of lanes < i.
    const uint8_t* at = cursor;
    at += 2 * RansDecRenorm(x0, at);
    at += 2 * RansDecRenorm(x1, at);
    at += 2 * RansDecRenorm(x2, at);
    at += 2 * RansDecRenorm(x3, at);
    cursor = at;
  }
  for (; k + kRansLanes <= n; k += kRansLanes) {
    out[k] = RansDecGet(x0, cursor, end, overrun, table);
    out[k + 1] = RansDecGet(x1, cursor, end, overrun, table);
    out[k + 2] = RansDecGet(x2, cursor, end, overrun, table);
    out[k + 3] = RansDecGet(x3, cursor, end, overrun, table);
  }
  states_[0] = x0, states_[1] = x1, states_[2] = x2, states_[3] = x3;
  cursor_ = cursor;
  overrun_ = overrun;
  for (; k < n; ++k) out[k] = Get(first_index + k, table);
}

absl::Status RansStreamDecoder::Init(absl::Span<const uint8_t> stream) {
  if (stream.size() < kRansStateBytes || (stream.size() & 1) != 0) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("rANS stream is ", stream.size(),
                                  " bytes; it needs 16 bytes of states and "
                                  "whole 16-bit words"));
  }
  const uint8_t* p = stream.data();
  for (int lane = 0; lane < kRansLanes; ++lane) {
    uint32_t state = 0;
    for (int i = 0; i < 4; ++i) state |= static_cast<uint32_t>(*p++) << (8 * i);
    if (state < kRansLow || state >= (kRansLow << 16)) {
      return MakeError(ErrorCode::kCorruptPayload,
                       absl::StrCat("rANS field `state` ", lane, " is ", state,
                                    "; it must be in [2^15, 2^31)"));
    }
    states_[lane] = state;
  }
  cursor_ = p;
  end_ = stream.data() + stream.size();
  overrun_ = false;
  return absl::OkStatus();
}

absl::Status RansStreamDecoder::Finish() const {
  if (overrun_) {
    return MakeError(ErrorCode::kCorruptPayload,
                     "rANS stream ran out of words before its last symbol");
  }
  if (cursor_ != end_) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("rANS stream has ", end_ - cursor_,
                                  " bytes left after its last symbol"));
  }
  for (int lane = 0; lane < kRansLanes; ++lane) {
    if (states_[lane] != kRansLow) {
      return MakeError(ErrorCode::kCorruptPayload,
                       absl::StrCat("rANS state ", lane, " ends at ",
                                    states_[lane], ", not at 2^15"));
    }
  }
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
