#include "codec/entropy/rans_stream.h"

#include <cassert>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "codec/entropy/cpu_features.h"
#include "codec/entropy/rans_wide_avx2.h"
#include "codec/entropy/rans_wide_decode_avx2.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {
namespace {

// Encodes `groups` groups of four symbols (lanes 0..3), the last group first.
uint8_t* PutNarrowGroups(uint32_t* states, uint8_t* cursor,
                         const uint8_t* symbols, size_t groups,
                         const RansEncodeTable& table) {
  uint32_t x0 = states[0], x1 = states[1], x2 = states[2], x3 = states[3];
  for (size_t g = groups; g-- > 0;) {
    const uint8_t* group = symbols + 4 * g;
    RansEncPut(x3, cursor, table.symbols[group[3]]);
    RansEncPut(x2, cursor, table.symbols[group[2]]);
    RansEncPut(x1, cursor, table.symbols[group[1]]);
    RansEncPut(x0, cursor, table.symbols[group[0]]);
  }
  states[0] = x0, states[1] = x1, states[2] = x2, states[3] = x3;
  return cursor;
}

// The same for groups of 32 symbols, one lane after the other: the
// portable twin of PutWideGroupsAvx2, which writes the same bytes.
uint8_t* PutWideGroups(uint32_t* states, uint8_t* cursor,
                       const uint8_t* symbols, size_t groups,
                       const RansEncodeTable& table) {
  for (size_t g = groups; g-- > 0;) {
    const uint8_t* group = symbols + kRansWideLanes * g;
    for (int lane = kRansWideLanes; lane-- > 0;) {
      RansEncPut(states[lane], cursor, table.symbols[group[lane]]);
    }
  }
  return cursor;
}

// Decodes lanes [first, first + 4) of a group: every lane's symbol, then
// every lane's renormalisation at word offsets computed together, so the
// word loads do not wait on each other. Lane i's word, if it takes one,
// follows the words of lanes < i. The caller checks that 8 bytes remain.
inline const uint8_t* GetFourLanes(uint32_t& x0, uint32_t& x1, uint32_t& x2,
                                   uint32_t& x3, const uint8_t* cursor,
                                   uint8_t* out,
                                   const RansDecodeTable& table) {
  out[0] = RansDecStep(x0, table);
  out[1] = RansDecStep(x1, table);
  out[2] = RansDecStep(x2, table);
  out[3] = RansDecStep(x3, table);
  cursor += 2 * RansDecRenorm(x0, cursor);
  cursor += 2 * RansDecRenorm(x1, cursor);
  cursor += 2 * RansDecRenorm(x2, cursor);
  cursor += 2 * RansDecRenorm(x3, cursor);
  return cursor;
}

}  // namespace

RansStreamEncoder::RansStreamEncoder(absl::Span<uint8_t> buffer, int lanes)
    : end_(buffer.data() + buffer.size()), cursor_(end_), lanes_(lanes) {
  assert(lanes == kRansNarrowLanes || lanes == kRansWideLanes);
  for (uint32_t& state : states_) state = kRansLow;
}

void RansStreamEncoder::Finish(std::vector<uint8_t>* out) {
  uint8_t header[1 + 4 * kRansMaxLanes];
  uint8_t* p = header;
  *p++ = static_cast<uint8_t>(lanes_);
  for (int lane = 0; lane < lanes_; ++lane) {
    for (int i = 0; i < 4; ++i) {
      *p++ = static_cast<uint8_t>(states_[lane] >> (8 * i));
    }
  }
  // Inserted, not resized and copied into: the words can be megabytes, and
  // a resize would zero them first.
  out->insert(out->end(), header, p);
  out->insert(out->end(), cursor_, end_);
}

void RansStreamEncoder::PutAll(size_t first_index,
                               absl::Span<const uint8_t> symbols,
                               const RansEncodeTable& table) {
  // Raw pointers in the hot loops: Debian's Abseil is built hardened, and a
  // bounds check per Span index costs more than the rest of a symbol.
  const uint8_t* const in = symbols.data();
  const auto lanes = static_cast<size_t>(lanes_);
  size_t k = symbols.size();
  // Single steps until the next index to put is the last of a lane group.
  while (k > 0 && (first_index + k) % lanes != 0) {
    --k;
    Put(first_index + k, table.symbols[in[k]]);
  }
  const size_t groups = k / lanes;
  const uint8_t* const first_group = in + (k - groups * lanes);
  if (lanes_ == kRansNarrowLanes) {
    cursor_ = PutNarrowGroups(states_, cursor_, first_group, groups, table);
  } else if (CpuHasAvx2Bmi2()) {
    cursor_ = PutWideGroupsAvx2(states_, cursor_, first_group, groups, table);
  } else {
    cursor_ = PutWideGroups(states_, cursor_, first_group, groups, table);
  }
  k -= groups * lanes;
  while (k > 0) {
    --k;
    Put(first_index + k, table.symbols[in[k]]);
  }
}

void RansStreamDecoder::GetAll(size_t first_index, absl::Span<uint8_t> symbols,
                               const RansDecodeTable& table) {
  uint8_t* const out = symbols.data();  // raw: see PutAll
  const auto lanes = static_cast<size_t>(lanes_);
  size_t k = 0;
  const size_t n = symbols.size();
  while (k < n && (first_index + k) % lanes != 0) {
    out[k] = Get(first_index + k, table);
    ++k;
  }
  // Locals, not members: stores to `out` (bytes, which may alias anything)
  // would otherwise make the compiler reload them for every symbol.
  const uint8_t* cursor = cursor_;
  const uint8_t* const end = end_;
  // A group reads at most one word per lane: check once per group.
  if (lanes_ == kRansNarrowLanes) {
    uint32_t x0 = states_[0], x1 = states_[1], x2 = states_[2],
             x3 = states_[3];
    for (; k + 4 <= n && end - cursor >= 8; k += 4) {
      cursor = GetFourLanes(x0, x1, x2, x3, cursor, out + k, table);
    }
    states_[0] = x0, states_[1] = x1, states_[2] = x2, states_[3] = x3;
  } else {
    uint32_t x[kRansWideLanes];
    std::memcpy(x, states_, sizeof(x));
    if (CpuHasAvx2Bmi2()) {
      k += kRansWideLanes * GetWideGroupsAvx2(x, cursor, end, out + k,
                                              (n - k) / kRansWideLanes, table);
    }
    for (; k + kRansWideLanes <= n && end - cursor >= 2 * kRansWideLanes;
         k += kRansWideLanes) {
      for (int lane = 0; lane < kRansWideLanes; lane += 4) {
        cursor = GetFourLanes(x[lane], x[lane + 1], x[lane + 2], x[lane + 3],
                              cursor, out + k + lane, table);
      }
    }
    std::memcpy(states_, x, sizeof(x));
  }
  cursor_ = cursor;
  // The stream's last words, with their bounds checked per symbol.
  for (; k < n; ++k) out[k] = Get(first_index + k, table);
}

absl::Status RansStreamDecoder::Init(absl::Span<const uint8_t> stream) {
  if (stream.empty()) {
    return MakeError(ErrorCode::kTruncated,
                     "rANS stream is empty; field `rans_lanes` is missing");
  }
  const uint8_t* p = stream.data();
  if (*p != kRansNarrowLanes && *p != kRansWideLanes) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("rANS field `rans_lanes` is ", *p,
                                  "; it must be 4 or 32"));
  }
  lanes_ = *p++;
  const size_t state_bytes = 4 * static_cast<size_t>(lanes_);
  if (stream.size() - 1 < state_bytes || ((stream.size() - 1) & 1) != 0) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("rANS stream is ", stream.size(),
                                  " bytes; after `rans_lanes` it needs ",
                                  state_bytes, " bytes of states (", lanes_,
                                  " lanes) and whole 16-bit words"));
  }
  for (int lane = 0; lane < lanes_; ++lane) {
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
  for (int lane = 0; lane < lanes_; ++lane) {
    if (states_[lane] != kRansLow) {
      return MakeError(ErrorCode::kCorruptPayload,
                       absl::StrCat("rANS state ", lane, " ends at ",
                                    states_[lane], ", not at 2^15"));
    }
  }
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
