// Encoding and decoding one interleaved rANS stream of byte symbols whose
// tables may change from symbol to symbol (spec/FORMAT.md, "rANS streams").
//
//   stream = u8 rans_lanes (N, 4 or 32), N x u32 initial decoder states,
//            then 16-bit words
//
// Symbol i is coded with state i mod N.
// A decoder checks, after its last symbol, that every state is back at
// kRansLow and that every word was read.
#ifndef GRADCODEC_CODEC_ENTROPY_RANS_STREAM_H_
#define GRADCODEC_CODEC_ENTROPY_RANS_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "codec/entropy/frequency_table.h"
#include "codec/entropy/rans_core.h"

namespace gradcodec::internal {

// Encodes a stream backwards. Usage: Put() every symbol from the LAST to the
// first, then Finish(). Index i (counting from the first symbol) must be
// passed so the lane is right.
class RansStreamEncoder {
 public:
  // The buffer a stream of at most `symbol_count` symbols needs: a 16-bit
  // word at most per symbol, and below the words room for the stores that
  // land under the cursor without moving it (two bytes for RansEncPut,
  // sixteen for the vector encoder).
  static size_t BufferSize(uint64_t symbol_count) {
    return 2 * static_cast<size_t>(symbol_count) + 16;
  }

  // Writes into `buffer` (BufferSize(symbol_count) bytes or more,
  // uninitialised, outliving the encoder; a thread's EncoderScratch keeps
  // one). `lanes` is kRansNarrowLanes or kRansWideLanes (RansLanesFor
  // chooses).
  RansStreamEncoder(absl::Span<uint8_t> buffer, int lanes);

  void Put(size_t index, const RansEncSymbol& symbol) {
    RansEncPut(states_[index & (lanes_ - 1)], cursor_, symbol);
  }

  // Puts symbols[k] as stream index first_index + k, for k from the last
  // down to 0, all with one table: states in registers, and with 32 lanes
  // on an AVX2 machine, eight lanes per instruction.
  void PutAll(size_t first_index, absl::Span<const uint8_t> symbols,
              const RansEncodeTable& table);

  // The size of the stream Finish() appends, so that a caller can write
  // its length first and have the stream go straight into `out`.
  size_t FinishedSize() const {
    return 1 + 4 * static_cast<size_t>(lanes_) +
           static_cast<size_t>(end_ - cursor_);
  }

  // Appends the finished stream (states, then words) to `out`.
  void Finish(std::vector<uint8_t>* out);

 private:
  // The buffer is written from the end towards the front; not zero-filled,
  // since only the written tail is ever read.
  uint8_t* end_;
  uint8_t* cursor_;
  int lanes_;
  uint32_t states_[kRansMaxLanes];
};

// Decodes a stream forwards.
class RansStreamDecoder {
 public:
  // INVALID_FIELD for a `rans_lanes` other than 4 or 32; CORRUPT_PAYLOAD
  // if `stream` is too short for its states or a state is out of range.
  absl::Status Init(absl::Span<const uint8_t> stream);

  uint8_t Get(size_t index, const RansDecodeTable& table) {
    return RansDecGet(states_[index & (lanes_ - 1)], cursor_, end_, overrun_,
                      table);
  }

  // Decodes out.size() symbols with one table, stream indices first_index
  // onwards, four lanes at a time with their states in registers.
  void GetAll(size_t first_index, absl::Span<uint8_t> out,
              const RansDecodeTable& table);

  // CORRUPT_PAYLOAD unless the stream ended exactly: every word read, no
  // read past the end, every state back at kRansLow.
  absl::Status Finish() const;

 private:
  const uint8_t* cursor_ = nullptr;
  const uint8_t* end_ = nullptr;
  bool overrun_ = false;
  int lanes_ = kRansNarrowLanes;
  uint32_t states_[kRansMaxLanes] = {};
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_RANS_STREAM_H_
