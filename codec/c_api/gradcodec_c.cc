// The C API (gradcodec/gradcodec.h) over the C++ classes: opaque handles
// that own a C++ object and the message of their last failure.
#include "gradcodec/gradcodec.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gradcodec/aggregator.h"
#include "gradcodec/decoder.h"
#include "gradcodec/encoder.h"
#include "gradcodec/error_code.h"
#include "gradcodec/packet_info.h"

struct gc_layout {
  gradcodec::Layout layout;
};
struct gc_params {
  gradcodec::EncoderOptions options;
};
struct gc_encoder {
  std::unique_ptr<gradcodec::Encoder> encoder;
  std::string last_error;
  std::vector<uint8_t> packet;
};
struct gc_decoder {
  std::unique_ptr<gradcodec::Decoder> decoder;
  std::string last_error;
};
struct gc_aggregator {
  std::unique_ptr<gradcodec::Aggregator> aggregator;
  uint64_t coordinate_count = 0;
  std::string last_error;
  std::vector<uint8_t> packet;
};

namespace {

using gradcodec::ErrorCode;

thread_local std::string last_create_error;

// The status's code, keeping its message in `message`.
gc_status Report(const absl::Status& status, std::string* message) {
  if (status.ok()) return GC_OK;
  *message = std::string(status.message());
  return static_cast<gc_status>(gradcodec::GetErrorCode(status));
}

gc_status Invalid(std::string* message, std::string text) {
  *message = std::move(text);
  return GC_INVALID_ARGUMENT;
}

bool IsWhole(double value, double max) {
  return value >= 0 && value <= max && std::floor(value) == value;
}

// Copies `bytes` to a caller's buffer, or says how much is needed.
gc_status CopyOut(const std::vector<uint8_t>& bytes, uint8_t* out,
                  size_t capacity, size_t* size, std::string* message) {
  *size = bytes.size();
  if (bytes.size() > capacity || (out == nullptr && !bytes.empty())) {
    return Invalid(message, absl::StrCat("the buffer holds ", capacity,
                                         " bytes; ", bytes.size(),
                                         " are needed"));
  }
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
  return GC_OK;
}

}  // namespace

extern "C" {

const char* gc_status_name(gc_status status) {
  if (status < 0 || static_cast<uint32_t>(status) >= gradcodec::kErrorCodeCount) {
    return "UNKNOWN";
  }
  // Names are static string literals (error_code.cc).
  return gradcodec::ErrorCodeName(static_cast<ErrorCode>(status)).data();
}

const char* gc_last_create_error(void) { return last_create_error.c_str(); }

gc_layout* gc_layout_create(void) { return new gc_layout; }
void gc_layout_destroy(gc_layout* layout) { delete layout; }

gc_status gc_layout_add_tensor(gc_layout* layout, const char* name,
                               const uint64_t* shape, size_t rank, int dtype,
                               uint64_t block_size) {
  if (layout == nullptr || name == nullptr || (rank != 0 && shape == nullptr) ||
      dtype < GC_DTYPE_F32 || dtype > GC_DTYPE_BF16) {
    return GC_INVALID_ARGUMENT;
  }
  gradcodec::TensorSpec tensor;
  tensor.name = name;
  tensor.shape.assign(shape, shape + rank);
  tensor.dtype = static_cast<gradcodec::DType>(dtype);
  tensor.block_size = block_size;
  layout->layout.tensors.push_back(std::move(tensor));
  return GC_OK;
}

uint64_t gc_layout_coordinate_count(const gc_layout* layout) {
  if (layout == nullptr ||
      !gradcodec::ValidateLayout(layout->layout).ok()) {
    return 0;
  }
  return layout->layout.coordinate_count();
}

gc_params* gc_params_create(void) { return new gc_params; }
void gc_params_destroy(gc_params* params) { delete params; }

gc_status gc_params_set_fixed_shift(gc_params* params, const float* shift,
                                    size_t count) {
  if (params == nullptr || (shift == nullptr && count > 0)) {
    return GC_INVALID_ARGUMENT;
  }
  gradcodec::ShiftedOptions& o = params->options.shifted;
  o.shift = gradcodec::Shift::kFixed;
  o.fixed_shift.assign(shift, shift + count);
  return GC_OK;
}

gc_status gc_params_set(gc_params* params, gc_param param, double value) {
  if (params == nullptr || std::isnan(value)) return GC_INVALID_ARGUMENT;
  gradcodec::EncoderOptions& o = params->options;
  switch (param) {
    case GC_PARAM_METHOD:
      if (!IsWhole(value, 255)) return GC_INVALID_ARGUMENT;
      o.method = static_cast<gradcodec::Method>(value);
      return GC_OK;
    case GC_PARAM_STREAM_ID:
      if (!IsWhole(value, 4294967295.0)) return GC_INVALID_ARGUMENT;
      o.stream_id = static_cast<uint32_t>(value);
      return GC_OK;
    case GC_PARAM_MOMENTUM:
      if (!(value >= 0 && value < 1)) return GC_INVALID_ARGUMENT;
      o.momentum = static_cast<float>(value);
      return GC_OK;
    case GC_PARAM_ERROR_FEEDBACK:
      if (value != 0 && value != 1) return GC_INVALID_ARGUMENT;
      o.error_feedback = value == 1;
      return GC_OK;
    case GC_PARAM_KEY_INTERVAL:
      if (!IsWhole(value, 9007199254740992.0)) return GC_INVALID_ARGUMENT;
      o.key_interval = static_cast<uint64_t>(value);
      return GC_OK;
    case GC_PARAM_SIGN_CODER:
      if (!IsWhole(value, 255)) return GC_INVALID_ARGUMENT;
      o.sign_coder = static_cast<gradcodec::SignCoder>(value);
      return GC_OK;
    case GC_PARAM_FLIP_HISTORY:
      if (!IsWhole(value, 255)) return GC_INVALID_ARGUMENT;
      o.flip_history = static_cast<uint32_t>(value);
      return GC_OK;
    case GC_PARAM_RD_LAMBDA:
      o.rd_lambda = value;
      return GC_OK;
    case GC_PARAM_TARGET_BITS:
      o.target_bits_per_coordinate = value;
      return GC_OK;
    case GC_PARAM_SHIFT:
      if (!IsWhole(value, 4)) return GC_INVALID_ARGUMENT;
      o.shifted.shift = static_cast<gradcodec::Shift>(value);
      return GC_OK;
    case GC_PARAM_K:
      if (!IsWhole(value, 9007199254740992.0)) return GC_INVALID_ARGUMENT;
      o.shifted.k = static_cast<uint64_t>(value);
      return GC_OK;
    case GC_PARAM_K_FRACTION:
      if (!(value >= 0 && value <= 1)) return GC_INVALID_ARGUMENT;
      o.shifted.k_fraction = value;
      return GC_OK;
    case GC_PARAM_VALUES:
      if (!IsWhole(value, 2)) return GC_INVALID_ARGUMENT;
      o.shifted.values = static_cast<gradcodec::ValuePrecision>(value);
      return GC_OK;
    case GC_PARAM_LEVELS:
      if (!IsWhole(value, 255)) return GC_INVALID_ARGUMENT;
      o.shifted.levels = static_cast<uint32_t>(value);
      return GC_OK;
    case GC_PARAM_ZSTD:
      if (value != 0 && value != 1) return GC_INVALID_ARGUMENT;
      o.shifted.zstd = value == 1;
      return GC_OK;
    case GC_PARAM_SEED:
      if (!IsWhole(value, 9007199254740992.0)) return GC_INVALID_ARGUMENT;
      o.shifted.seed = static_cast<uint64_t>(value);
      return GC_OK;
    case GC_PARAM_ALPHA:
      if (!(value >= 0 && value <= 1)) return GC_INVALID_ARGUMENT;
      o.shifted.alpha = static_cast<float>(value);
      return GC_OK;
    case GC_PARAM_REFRESH_PROBABILITY:
      if (!(value >= 0 && value <= 1)) return GC_INVALID_ARGUMENT;
      o.shifted.refresh_probability = value;
      return GC_OK;
  }
  return GC_INVALID_ARGUMENT;
}

gc_status gc_encoder_create(const gc_layout* layout, const gc_params* params,
                            gc_encoder** encoder) {
  if (encoder == nullptr) return GC_INVALID_ARGUMENT;
  *encoder = nullptr;
  if (layout == nullptr) {
    return Invalid(&last_create_error, "gc_encoder_create needs a layout");
  }
  gradcodec::EncoderOptions options =
      params != nullptr ? params->options : gradcodec::EncoderOptions{};
  options.layout = layout->layout;
  absl::StatusOr<std::unique_ptr<gradcodec::Encoder>> created =
      gradcodec::Encoder::Create(options);
  if (!created.ok()) return Report(created.status(), &last_create_error);
  *encoder = new gc_encoder;
  (*encoder)->encoder = std::move(*created);
  return GC_OK;
}

void gc_encoder_destroy(gc_encoder* encoder) { delete encoder; }

size_t gc_encoder_packet_bound(const gc_encoder* encoder) {
  return encoder == nullptr
             ? 0
             : static_cast<size_t>(encoder->encoder->MaxPacketSize());
}

gc_status gc_encoder_encode(gc_encoder* encoder, const float* update,
                            size_t count, uint8_t* packet, size_t capacity,
                            size_t* size, float* reconstruction) {
  if (encoder == nullptr || size == nullptr || packet == nullptr ||
      (update == nullptr && count != 0)) {
    return GC_INVALID_ARGUMENT;
  }
  // Checked before encoding, so that a short buffer changes nothing.
  if (capacity < gc_encoder_packet_bound(encoder)) {
    return Invalid(&encoder->last_error,
                   absl::StrCat("the packet buffer holds ", capacity,
                                " bytes; gc_encoder_packet_bound() is ",
                                gc_encoder_packet_bound(encoder)));
  }
  absl::Span<float> out;
  if (reconstruction != nullptr) out = absl::MakeSpan(reconstruction, count);
  const gc_status status = Report(
      encoder->encoder->Encode(absl::MakeConstSpan(update, count),
                               &encoder->packet, out),
      &encoder->last_error);
  if (status != GC_OK) return status;
  return CopyOut(encoder->packet, packet, capacity, size,
                 &encoder->last_error);
}

gc_status gc_encoder_request_key(gc_encoder* encoder) {
  if (encoder == nullptr) return GC_INVALID_ARGUMENT;
  encoder->encoder->RequestKey();
  return GC_OK;
}

gc_status gc_encoder_rescale_error(gc_encoder* encoder, float ratio) {
  if (encoder == nullptr) return GC_INVALID_ARGUMENT;
  return Report(encoder->encoder->RescaleError(ratio), &encoder->last_error);
}

gc_status gc_encoder_save_state(gc_encoder* encoder, uint8_t* blob,
                                size_t capacity, size_t* size) {
  if (encoder == nullptr || size == nullptr) return GC_INVALID_ARGUMENT;
  return CopyOut(encoder->encoder->SaveState(), blob, capacity, size,
                 &encoder->last_error);
}

gc_status gc_encoder_restore_state(gc_encoder* encoder, const uint8_t* blob,
                                   size_t size) {
  if (encoder == nullptr || (blob == nullptr && size != 0)) {
    return GC_INVALID_ARGUMENT;
  }
  return Report(encoder->encoder->RestoreState(absl::MakeConstSpan(blob, size)),
                &encoder->last_error);
}

const char* gc_encoder_last_error(const gc_encoder* encoder) {
  return encoder == nullptr ? "" : encoder->last_error.c_str();
}

gc_status gc_decoder_create(gc_decoder** decoder) {
  if (decoder == nullptr) return GC_INVALID_ARGUMENT;
  *decoder = new gc_decoder;
  (*decoder)->decoder = std::move(*gradcodec::Decoder::Create());
  return GC_OK;
}

void gc_decoder_destroy(gc_decoder* decoder) { delete decoder; }

gc_status gc_packet_coordinate_count(const uint8_t* packet, size_t size,
                                     uint64_t* count) {
  if (count == nullptr || (packet == nullptr && size != 0)) {
    return GC_INVALID_ARGUMENT;
  }
  absl::StatusOr<gradcodec::PacketInfo> info =
      gradcodec::ReadPacketInfo(absl::MakeConstSpan(packet, size));
  if (!info.ok()) {
    return static_cast<gc_status>(gradcodec::GetErrorCode(info.status()));
  }
  *count = info->header.coordinate_count;
  return GC_OK;
}

gc_status gc_decoder_decode(gc_decoder* decoder, const uint8_t* packet,
                            size_t size, float* out, size_t count) {
  if (decoder == nullptr || (packet == nullptr && size != 0) ||
      (out == nullptr && count != 0)) {
    return GC_INVALID_ARGUMENT;
  }
  return Report(decoder->decoder->Decode(absl::MakeConstSpan(packet, size),
                                         absl::MakeSpan(out, count)),
                &decoder->last_error);
}

gc_status gc_decoder_save_state(gc_decoder* decoder, uint8_t* blob,
                                size_t capacity, size_t* size) {
  if (decoder == nullptr || size == nullptr) return GC_INVALID_ARGUMENT;
  return CopyOut(decoder->decoder->SaveState(), blob, capacity, size,
                 &decoder->last_error);
}

gc_status gc_decoder_restore_state(gc_decoder* decoder, const uint8_t* blob,
                                   size_t size) {
  if (decoder == nullptr || (blob == nullptr && size != 0)) {
    return GC_INVALID_ARGUMENT;
  }
  return Report(decoder->decoder->RestoreState(absl::MakeConstSpan(blob, size)),
                &decoder->last_error);
}

const char* gc_decoder_last_error(const gc_decoder* decoder) {
  return decoder == nullptr ? "" : decoder->last_error.c_str();
}

gc_status gc_aggregator_create(const gc_layout* layout, const gc_params* params,
                               uint32_t worker_count,
                               gc_aggregator** aggregator) {
  if (aggregator == nullptr) return GC_INVALID_ARGUMENT;
  *aggregator = nullptr;
  if (layout == nullptr) {
    return Invalid(&last_create_error, "gc_aggregator_create needs a layout");
  }
  gradcodec::AggregatorOptions options;
  options.worker_count = worker_count;
  options.broadcast =
      params != nullptr ? params->options : gradcodec::EncoderOptions{};
  options.broadcast.layout = layout->layout;
  absl::StatusOr<std::unique_ptr<gradcodec::Aggregator>> created =
      gradcodec::Aggregator::Create(options);
  if (!created.ok()) return Report(created.status(), &last_create_error);
  auto handle = std::make_unique<gc_aggregator>();
  handle->aggregator = std::move(*created);
  handle->coordinate_count = options.broadcast.layout.coordinate_count();
  *aggregator = handle.release();
  return GC_OK;
}

void gc_aggregator_destroy(gc_aggregator* aggregator) { delete aggregator; }

gc_status gc_aggregator_add(gc_aggregator* aggregator, uint32_t worker,
                            const uint8_t* packet, size_t size) {
  if (aggregator == nullptr || (packet == nullptr && size != 0)) {
    return GC_INVALID_ARGUMENT;
  }
  return Report(aggregator->aggregator->AddWorkerPacket(
                    worker, absl::MakeConstSpan(packet, size)),
                &aggregator->last_error);
}

gc_status gc_aggregator_finish(gc_aggregator* aggregator, uint8_t* packet,
                               size_t capacity, size_t* size,
                               float* reconstruction) {
  if (aggregator == nullptr || size == nullptr || packet == nullptr) {
    return GC_INVALID_ARGUMENT;
  }
  const uint64_t bound = aggregator->aggregator->MaxPacketSize();
  if (capacity < bound) {
    return Invalid(&aggregator->last_error,
                   absl::StrCat("the packet buffer holds ", capacity,
                                " bytes; ", bound, " are needed"));
  }
  absl::Span<float> out;
  if (reconstruction != nullptr) {
    out = absl::MakeSpan(reconstruction, aggregator->coordinate_count);
  }
  const gc_status status = Report(
      aggregator->aggregator->Finish(&aggregator->packet, out),
      &aggregator->last_error);
  if (status != GC_OK) return status;
  return CopyOut(aggregator->packet, packet, capacity, size,
                 &aggregator->last_error);
}

const char* gc_aggregator_last_error(const gc_aggregator* aggregator) {
  return aggregator == nullptr ? "" : aggregator->last_error.c_str();
}

}  // extern "C"
