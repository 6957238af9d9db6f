#include "codec/entropy/encoder_scratch.h"

namespace gradcodec::internal {

absl::Span<uint8_t> ScratchBuffer::Get(size_t size) {
  if (size > capacity_) {
    capacity_ = size + size / 4;
    data_.reset(new uint8_t[capacity_]);
  }
  return {data_.get(), size};
}

EncoderScratch& ThreadEncoderScratch() {
  thread_local EncoderScratch scratch;
  return scratch;
}

}  // namespace gradcodec::internal
