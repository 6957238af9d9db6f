// Large temporary buffers that the entropy encoders keep from one call to
// the next on each thread. Freed blocks of megabytes go back to the kernel
// (glibc trims them), so a fresh buffer arrives as page faults: at p = 0.1
// faulting in the fast coder's phrase and rANS buffers again on every call
// took about a tenth of its time.
//
// (The split by context, about 1.1 bits per coordinate, likewise: its
// fresh storage faulted in on every call cost the signxor encoder about a
// tenth of its time at 16M coordinates. Its buffers, one per context, keep
// room for the most bits each context took, dropped when they add up to
// more than four times the largest stream's bits and a block per context;
// see GrowingContextBitVectors::Start.)
//
// A buffer keeps the largest size asked of it (plus a quarter, so that
// sizes that creep up do not reallocate each call) until its thread ends:
// about 3.5 bytes per coded coordinate at p = 0.1, once per encoding thread.
#ifndef GRADCODEC_CODEC_ENTROPY_ENCODER_SCRATCH_H_
#define GRADCODEC_CODEC_ENTROPY_ENCODER_SCRATCH_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/types/span.h"
#include "codec/entropy/context_split.h"

namespace gradcodec::internal {

class ScratchBuffer {
 public:
  // `size` uninitialised bytes, valid until the next Get().
  absl::Span<uint8_t> Get(size_t size);

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t capacity_ = 0;
};

struct EncoderScratch {
  ScratchBuffer run_symbols;  // the fast coder's rANS symbols
  ScratchBuffer rans_words;   // a rANS stream, written backwards
  GrowingContextBitVectors split;  // the fast coder's bits, by context
};

// This thread's buffers. An encoder takes them for the length of one call
// and calls no other encoder meanwhile, so uses never overlap.
EncoderScratch& ThreadEncoderScratch();

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_ENCODER_SCRATCH_H_
