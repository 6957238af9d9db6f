/* The C API of gradcodec: the Encoder, Decoder and Aggregator behind opaque
 * handles, for transports and languages that cannot use C++.
 *
 * Conventions:
 *   - Every call returns a gc_status (0 = GC_OK; the numbers are the error
 *     codes of spec/FORMAT.md section 9, append-only). gc_status_name()
 *     names one; each handle keeps the message of its last failed call
 *     (gc_*_last_error), valid until the next call on that handle.
 *   - Buffers belong to the caller. Outputs take a capacity and report the
 *     size written through an out-parameter; gc_encoder_packet_bound() is a
 *     capacity that always suffices for a packet.
 *   - Options are set on a gc_params object with gc_params_set(), one
 *     numeric parameter at a time, so that new options never change the ABI.
 *   - A handle is not thread-safe; distinct handles may be used from
 *     distinct threads.
 *
 * Example:
 *   gc_layout* layout = gc_layout_create();
 *   uint64_t shape[2] = {128, 64};
 *   gc_layout_add_tensor(layout, "fc1.weight", shape, 2, GC_DTYPE_F32, 256);
 *   gc_params* params = gc_params_create();
 *   gc_params_set(params, GC_PARAM_METHOD, GC_METHOD_SIGNXOR);
 *   gc_encoder* encoder;
 *   gc_encoder_create(layout, params, &encoder);
 *   size_t size;
 *   gc_encoder_encode(encoder, gradient, 8192, packet, capacity, &size, NULL);
 */
#ifndef GRADCODEC_GRADCODEC_H_
#define GRADCODEC_GRADCODEC_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int gc_status;
enum {
  GC_OK = 0,
  GC_TRUNCATED = 1,
  GC_BAD_MAGIC = 2,
  GC_UNSUPPORTED_VERSION = 3,
  GC_CHECKSUM_MISMATCH = 4,
  GC_MALFORMED_VARINT = 5,
  GC_INVALID_FIELD = 6,
  GC_LIMIT_EXCEEDED = 7,
  GC_UNKNOWN_CRITICAL_SECTION = 8,
  GC_LENGTH_OUT_OF_BOUNDS = 9,
  GC_SECTION_ORDER = 10,
  GC_SECTION_PRESENCE = 11,
  GC_TRAILING_BYTES = 12,
  GC_SEQUENCE_MISMATCH = 13,
  GC_REFERENCE_MISMATCH = 14,
  GC_INVALID_ARGUMENT = 15,
  GC_CORRUPT_PAYLOAD = 16,
  GC_NON_FINITE_INPUT = 17,
  GC_IO_ERROR = 18,
  GC_BAD_STATE = 19,
  GC_NOT_FOUND = 20,
  GC_INTERNAL = 21,
  GC_UNSUPPORTED_METHOD = 22
};

/* The code's name, e.g. "SEQUENCE_MISMATCH"; "UNKNOWN" for other numbers. */
const char* gc_status_name(gc_status status);

/* Spec field `dtype`. */
enum { GC_DTYPE_F32 = 1, GC_DTYPE_F16 = 2, GC_DTYPE_BF16 = 3 };
/* Spec field `method_id`. */
enum {
  GC_METHOD_SIGN = 1,
  GC_METHOD_SCALED_SIGN = 2,
  GC_METHOD_BLOCK_SIGN = 3,
  GC_METHOD_SIGNXOR = 4,
  /* The shifted methods (spec section 11.9), with GC_PARAM_SHIFT. */
  GC_METHOD_TOP_K = 5,
  GC_METHOD_RAND_K = 6,
  GC_METHOD_DITHER = 7,
  GC_METHOD_NATURAL = 8,
  GC_METHOD_FP16 = 9,
  GC_METHOD_BF16 = 10,
  GC_METHOD_FP32 = 11
};
/* Shift rules of the shifted methods (spec field `shift_rule`). A fixed
 * shift is set with its vector by gc_params_set_fixed_shift(), not by
 * gc_params_set(GC_PARAM_SHIFT, ...). */
enum {
  GC_SHIFT_NONE = 0,
  GC_SHIFT_ERROR_FEEDBACK = 1,
  GC_SHIFT_EF21 = 2,
  GC_SHIFT_DIANA = 3,
  GC_SHIFT_RAND_DIANA = 4,
  GC_SHIFT_FIXED = 5
};
/* Values of top_k and rand_k. */
enum { GC_VALUES_FP32 = 0, GC_VALUES_FP16 = 1, GC_VALUES_BF16 = 2 };
/* Coder of sign and flip bit streams (AUTO: adaptive up to 2^20
 * coordinates, fast above). */
enum { GC_CODER_AUTO = 0, GC_CODER_FAST = 1, GC_CODER_ADAPTIVE = 2 };

/* ---- Layout ------------------------------------------------------------ */

typedef struct gc_layout gc_layout;
gc_layout* gc_layout_create(void);
void gc_layout_destroy(gc_layout* layout);
/* Appends a tensor; block_size 0 is one block per tensor. The layout is
 * validated when an encoder or aggregator is created. */
gc_status gc_layout_add_tensor(gc_layout* layout, const char* name,
                               const uint64_t* shape, size_t rank, int dtype,
                               uint64_t block_size);
/* Total coordinates (tensor after tensor). */
uint64_t gc_layout_coordinate_count(const gc_layout* layout);

/* ---- Parameters -------------------------------------------------------- */

typedef enum gc_param {
  GC_PARAM_METHOD = 1,           /* GC_METHOD_*, default SIGNXOR */
  GC_PARAM_STREAM_ID = 2,        /* 0..2^32-1, default 0 */
  GC_PARAM_MOMENTUM = 3,         /* Nesterov mu in [0, 1), default 0 */
  GC_PARAM_ERROR_FEEDBACK = 4,   /* 0 or 1, default 1 */
  GC_PARAM_KEY_INTERVAL = 5,     /* packets, 0 = first and requested only */
  GC_PARAM_SIGN_CODER = 6,       /* GC_CODER_*, default AUTO */
  GC_PARAM_FLIP_HISTORY = 7,     /* 0..8, default 8 */
  GC_PARAM_RD_LAMBDA = 8,        /* >= 0, default 1.5 */
  GC_PARAM_TARGET_BITS = 9,      /* bits per coordinate, 0 = off */
  /* The shifted methods only (gradcodec::ShiftedOptions). */
  GC_PARAM_SHIFT = 10,           /* GC_SHIFT_*, default ERROR_FEEDBACK */
  GC_PARAM_K = 11,               /* top_k, rand_k: count; 0 = use K_FRACTION */
  GC_PARAM_K_FRACTION = 12,      /* in [0, 1], default 0.01 */
  GC_PARAM_VALUES = 13,          /* GC_VALUES_*, default FP32 */
  GC_PARAM_LEVELS = 14,          /* dither: 1..255, default 4 */
  GC_PARAM_ZSTD = 15,            /* fp32: 0 or 1, default 0 */
  GC_PARAM_SEED = 16,            /* 0..2^53, default 0 */
  GC_PARAM_ALPHA = 17,           /* diana: (0, 1], 0 = 1/(omega+1) */
  GC_PARAM_REFRESH_PROBABILITY = 18 /* rand_diana: (0, 1], 0 = 1/(omega+1) */
} gc_param;

typedef struct gc_params gc_params;
gc_params* gc_params_create(void);
void gc_params_destroy(gc_params* params);
/* GC_INVALID_ARGUMENT for an unknown parameter or a value that cannot be
 * one (a fraction for an integer, a negative count); ranges are checked by
 * the create calls. */
gc_status gc_params_set(gc_params* params, gc_param param, double value);
/* Shift rule fixed with the shift h = shift[0..count), copied: count must
 * be the layout's coordinate count and every value finite (checked by the
 * create calls). GC_INVALID_ARGUMENT for a NULL shift with count > 0. */
gc_status gc_params_set_fixed_shift(gc_params* params, const float* shift,
                                    size_t count);

/* ---- Encoder ----------------------------------------------------------- */

typedef struct gc_encoder gc_encoder;
/* On failure *encoder is NULL; gc_last_create_error() holds the message. */
gc_status gc_encoder_create(const gc_layout* layout, const gc_params* params,
                            gc_encoder** encoder);
void gc_encoder_destroy(gc_encoder* encoder);
/* A packet capacity that always suffices for this encoder. */
size_t gc_encoder_packet_bound(const gc_encoder* encoder);
/* Encodes one step of `count` floats into packet[0..capacity), setting
 * *size. `reconstruction` (may be NULL) receives the `count` floats the
 * decoder will output. GC_INVALID_ARGUMENT when count is not the layout's
 * or capacity is below gc_encoder_packet_bound(); GC_NON_FINITE_INPUT. On
 * error the encoder is unchanged. */
gc_status gc_encoder_encode(gc_encoder* encoder, const float* update,
                            size_t count, uint8_t* packet, size_t capacity,
                            size_t* size, float* reconstruction);
gc_status gc_encoder_request_key(gc_encoder* encoder);
gc_status gc_encoder_rescale_error(gc_encoder* encoder, float ratio);
/* Writes the state blob when capacity suffices; *size is always set to the
 * blob's size (call with capacity 0 to learn it). */
gc_status gc_encoder_save_state(gc_encoder* encoder, uint8_t* blob,
                                size_t capacity, size_t* size);
gc_status gc_encoder_restore_state(gc_encoder* encoder, const uint8_t* blob,
                                   size_t size);
const char* gc_encoder_last_error(const gc_encoder* encoder);

/* ---- Decoder ----------------------------------------------------------- */

typedef struct gc_decoder gc_decoder;
gc_status gc_decoder_create(gc_decoder** decoder);
void gc_decoder_destroy(gc_decoder* decoder);
/* The coordinate count a packet carries (validates its framing). */
gc_status gc_packet_coordinate_count(const uint8_t* packet, size_t size,
                                     uint64_t* count);
/* Decodes into out[0..count), count being the packet's coordinate count.
   On error out holds unspecified values and the decoder's state is
   unchanged. */
gc_status gc_decoder_decode(gc_decoder* decoder, const uint8_t* packet,
                            size_t size, float* out, size_t count);
gc_status gc_decoder_save_state(gc_decoder* decoder, uint8_t* blob,
                                size_t capacity, size_t* size);
gc_status gc_decoder_restore_state(gc_decoder* decoder, const uint8_t* blob,
                                   size_t size);
const char* gc_decoder_last_error(const gc_decoder* decoder);

/* ---- Aggregator -------------------------------------------------------- */

typedef struct gc_aggregator gc_aggregator;
/* `params` configure the broadcast encoder. */
gc_status gc_aggregator_create(const gc_layout* layout, const gc_params* params,
                               uint32_t worker_count,
                               gc_aggregator** aggregator);
void gc_aggregator_destroy(gc_aggregator* aggregator);
gc_status gc_aggregator_add(gc_aggregator* aggregator, uint32_t worker,
                            const uint8_t* packet, size_t size);
/* The broadcast packet; capacity as for gc_encoder_encode. */
gc_status gc_aggregator_finish(gc_aggregator* aggregator, uint8_t* packet,
                               size_t capacity, size_t* size,
                               float* reconstruction);
const char* gc_aggregator_last_error(const gc_aggregator* aggregator);

/* The message of the last failed gc_*_create call on this thread. */
const char* gc_last_create_error(void);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* GRADCODEC_GRADCODEC_H_ */
