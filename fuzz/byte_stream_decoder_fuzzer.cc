// Fuzz target: the byte-stream decoder (codec/entropy/byte_stream_coder.h),
// every byte coder. The input is a whole payload; the decoder's maximum
// symbol count is the spec vectors' harness maximum (2^20). Built with
// GRADCODEC_FUZZ_BYTE_CODER=n, the first byte is forced to that
// `byte_coder` (rans_byte_stream_decoder).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "codec/entropy/byte_stream_coder.h"
#include "gradcodec/error_code.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gradcodec;
  std::vector<uint8_t> payload(data, data + size);
#ifdef GRADCODEC_FUZZ_BYTE_CODER
  if (payload.empty()) return 0;
  payload[0] = GRADCODEC_FUZZ_BYTE_CODER;
#endif
  std::vector<uint8_t> out;
  const absl::Status status =
      internal::DecodeByteStream(payload, size_t{1} << 20, &out);
  if (!status.ok() && GetErrorCode(status) == ErrorCode::kInternal) {
    std::abort();
  }
  if (status.ok() && out.size() > (size_t{1} << 20)) std::abort();
  return 0;
}
