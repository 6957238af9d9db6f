#include "codec/entropy/zstd_coder.h"

#include <zstd.h>

#include <cassert>
#include <memory>

#include "absl/strings/str_cat.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {

void ZstdCompress(absl::Span<const uint8_t> input, int level,
                  std::vector<uint8_t>* out) {
  // One compression context per thread, reused as zstd's manual advises
  // (creating one per call costs as much as compressing small inputs), and
  // an uninitialised buffer rather than a zero-filled resize of `out`.
  struct ContextDeleter {
    void operator()(ZSTD_CCtx* context) const { ZSTD_freeCCtx(context); }
  };
  thread_local std::unique_ptr<ZSTD_CCtx, ContextDeleter> context(
      ZSTD_createCCtx());
  const size_t bound = ZSTD_compressBound(input.size());
  std::unique_ptr<uint8_t[]> frame(new uint8_t[bound]);
  const size_t written = ZSTD_compressCCtx(context.get(), frame.get(), bound,
                                           input.data(), input.size(), level);
  // Compressing into a buffer of ZSTD_compressBound bytes cannot fail.
  assert(!ZSTD_isError(written));
  out->insert(out->end(), frame.get(),
              frame.get() + (ZSTD_isError(written) ? 0 : written));
}

absl::Status ZstdDecompress(absl::Span<const uint8_t> frame,
                            size_t expected_size, uint8_t* out) {
  // Only a standard (RFC 8878) frame: not a skippable frame, which libzstd
  // would take for empty content, nor the legacy formats some builds read.
  if (frame.size() < 4 || frame[0] != 0x28 || frame[1] != 0xB5 ||
      frame[2] != 0x2F || frame[3] != 0xFD) {
    return MakeError(ErrorCode::kCorruptPayload,
                     "zstd payload does not start with the frame magic "
                     "0xFD2FB528");
  }
  const unsigned long long content =
      ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (content == ZSTD_CONTENTSIZE_ERROR ||
      content == ZSTD_CONTENTSIZE_UNKNOWN || content != expected_size) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("zstd frame does not declare a content size "
                                  "of ",
                                  expected_size, " bytes"));
  }
  const size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(),
                                                         frame.size());
  if (ZSTD_isError(frame_size) || frame_size != frame.size()) {
    return MakeError(ErrorCode::kCorruptPayload,
                     "zstd payload is not exactly one whole frame");
  }
  const size_t written =
      ZSTD_decompress(out, expected_size, frame.data(), frame.size());
  if (ZSTD_isError(written) || written != expected_size) {
    return MakeError(ErrorCode::kCorruptPayload,
                     absl::StrCat("zstd frame does not decode: ",
                                  ZSTD_isError(written)
                                      ? ZSTD_getErrorName(written)
                                      : "short output"));
  }
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
