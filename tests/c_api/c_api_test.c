/* The C API, compiled as C (C11): a two-worker round of two-way compression
 * through gc_* handles only, state save and restore, and the error paths a
 * C caller meets. Exits non-zero on the first failed check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcodec/gradcodec.h"

static int failures = 0;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                 \
      ++failures;                                                     \
    }                                                                 \
  } while (0)

#define COUNT 300

static void fill(float* values, int step, int worker) {
  for (int i = 0; i < COUNT; ++i) {
    values[i] = sinf(0.37f * (float)i + 0.1f * (float)step) +
                0.05f * (float)((i * 7 + worker * 13 + step) % 11 - 5);
  }
}

int main(void) {
  gc_layout* layout = gc_layout_create();
  const uint64_t weight_shape[2] = {20, 14};
  const uint64_t bias_shape[1] = {20};
  CHECK(gc_layout_add_tensor(layout, "w", weight_shape, 2, GC_DTYPE_F32, 64) == GC_OK);
  CHECK(gc_layout_add_tensor(layout, "b", bias_shape, 1, GC_DTYPE_F32, 0) == GC_OK);
  CHECK(gc_layout_coordinate_count(layout) == COUNT);

  gc_params* params = gc_params_create();
  CHECK(gc_params_set(params, GC_PARAM_METHOD, GC_METHOD_SIGNXOR) == GC_OK);
  CHECK(gc_params_set(params, GC_PARAM_MOMENTUM, 0.9) == GC_OK);
  CHECK(gc_params_set(params, GC_PARAM_KEY_INTERVAL, 2.5) == GC_INVALID_ARGUMENT);
  CHECK(gc_params_set(params, (gc_param)99, 1) == GC_INVALID_ARGUMENT);

  gc_encoder* workers[2];
  for (int w = 0; w < 2; ++w) {
    CHECK(gc_encoder_create(layout, params, &workers[w]) == GC_OK);
  }
  gc_params* server = gc_params_create();
  CHECK(gc_params_set(server, GC_PARAM_METHOD, GC_METHOD_BLOCK_SIGN) == GC_OK);
  gc_aggregator* aggregator;
  CHECK(gc_aggregator_create(layout, server, 2, &aggregator) == GC_OK);
  gc_decoder* receiver;
  CHECK(gc_decoder_create(&receiver) == GC_OK);

  const size_t bound = gc_encoder_packet_bound(workers[0]);
  uint8_t* packet = malloc(bound + 1000);
  float update[COUNT], expected[COUNT], decoded[COUNT];
  for (int step = 0; step < 5; ++step) {
    for (int w = 0; w < 2; ++w) {
      size_t size = 0;
      fill(update, step, w);
      CHECK(gc_encoder_encode(workers[w], update, COUNT, packet, bound, &size,
                              NULL) == GC_OK);
      CHECK(size > 0 && size <= bound);
      CHECK(gc_aggregator_add(aggregator, (uint32_t)w, packet, size) == GC_OK);
    }
    size_t size = 0;
    CHECK(gc_aggregator_finish(aggregator, packet, bound + 1000, &size,
                               expected) == GC_OK);
    uint64_t count = 0;
    CHECK(gc_packet_coordinate_count(packet, size, &count) == GC_OK);
    CHECK(count == COUNT);
    CHECK(gc_decoder_decode(receiver, packet, size, decoded, COUNT) == GC_OK);
    CHECK(memcmp(decoded, expected, sizeof(decoded)) == 0);
  }

  /* A shifted method: rand_k with DIANA, decoded bit for bit. */
  {
    gc_params* shifted = gc_params_create();
    CHECK(gc_params_set(shifted, GC_PARAM_METHOD, GC_METHOD_RAND_K) == GC_OK);
    CHECK(gc_params_set(shifted, GC_PARAM_SHIFT, GC_SHIFT_DIANA) == GC_OK);
    CHECK(gc_params_set(shifted, GC_PARAM_K_FRACTION, 0.25) == GC_OK);
    CHECK(gc_params_set(shifted, GC_PARAM_VALUES, GC_VALUES_BF16) == GC_OK);
    CHECK(gc_params_set(shifted, GC_PARAM_SEED, 42) == GC_OK);
    CHECK(gc_params_set(shifted, GC_PARAM_SHIFT, 5) == GC_INVALID_ARGUMENT);
    CHECK(gc_params_set(shifted, GC_PARAM_K_FRACTION, 1.5) == GC_INVALID_ARGUMENT);
    gc_encoder* sender;
    CHECK(gc_encoder_create(layout, shifted, &sender) == GC_OK);
    gc_decoder* shift_receiver;
    CHECK(gc_decoder_create(&shift_receiver) == GC_OK);
    const size_t shifted_bound = gc_encoder_packet_bound(sender);
    uint8_t* shifted_packet = malloc(shifted_bound);
    for (int step = 0; step < 4; ++step) {
      size_t size = 0;
      fill(update, step, 0);
      CHECK(gc_encoder_encode(sender, update, COUNT, shifted_packet,
                              shifted_bound, &size, expected) == GC_OK);
      CHECK(gc_decoder_decode(shift_receiver, shifted_packet, size, decoded,
                              COUNT) == GC_OK);
      CHECK(memcmp(decoded, expected, sizeof(decoded)) == 0);
    }
    free(shifted_packet);
    gc_decoder_destroy(shift_receiver);
    gc_encoder_destroy(sender);
    /* top_k is biased: DIANA refuses it. */
    CHECK(gc_params_set(shifted, GC_PARAM_METHOD, GC_METHOD_TOP_K) == GC_OK);
    CHECK(gc_encoder_create(layout, shifted, &sender) == GC_INVALID_ARGUMENT);
    /* A fixed shift: the receiver gets h + Q(v - h), and with fp32 values
     * Q is exact, so it gets v back bit for bit (v - h + h is v for these
     * values, small integers and halves). A shift of the wrong length is
     * refused. */
    float shift[COUNT];
    for (int i = 0; i < COUNT; ++i) shift[i] = (float)(i % 7) - 3.0f;
    CHECK(gc_params_set_fixed_shift(shifted, NULL, 3) == GC_INVALID_ARGUMENT);
    CHECK(gc_params_set(shifted, GC_PARAM_METHOD, GC_METHOD_FP32) == GC_OK);
    CHECK(gc_params_set_fixed_shift(shifted, shift, COUNT - 1) == GC_OK);
    CHECK(gc_encoder_create(layout, shifted, &sender) == GC_INVALID_ARGUMENT);
    CHECK(gc_params_set_fixed_shift(shifted, shift, COUNT) == GC_OK);
    CHECK(gc_encoder_create(layout, shifted, &sender) == GC_OK);
    CHECK(gc_decoder_create(&shift_receiver) == GC_OK);
    shifted_packet = malloc(gc_encoder_packet_bound(sender));
    CHECK(shifted_packet != NULL);
    for (int i = 0; i < COUNT; ++i) update[i] = (float)(i % 5) * 0.5f;
    for (int step = 0; step < 2; ++step) {
      size_t size = 0;
      CHECK(gc_encoder_encode(sender, update, COUNT, shifted_packet,
                              gc_encoder_packet_bound(sender), &size,
                              expected) == GC_OK);
      CHECK(gc_decoder_decode(shift_receiver, shifted_packet, size, decoded,
                              COUNT) == GC_OK);
      CHECK(memcmp(decoded, expected, sizeof(decoded)) == 0);
      CHECK(memcmp(decoded, update, sizeof(decoded)) == 0);
    }
    free(shifted_packet);
    gc_decoder_destroy(shift_receiver);
    gc_encoder_destroy(sender);
    gc_params_destroy(shifted);
  }

  /* Errors: a status, its name, and the handle's message. */
  fill(update, 9, 0);
  update[290] = NAN;
  size_t size = 0;
  CHECK(gc_encoder_encode(workers[0], update, COUNT, packet, bound, &size,
                          NULL) == GC_NON_FINITE_INPUT);
  CHECK(strcmp(gc_status_name(GC_NON_FINITE_INPUT), "NON_FINITE_INPUT") == 0);
  CHECK(strstr(gc_encoder_last_error(workers[0]), "'b' element 10") != NULL);
  CHECK(gc_encoder_encode(workers[0], update, COUNT, packet, 10, &size, NULL) ==
        GC_INVALID_ARGUMENT);
  CHECK(strcmp(gc_status_name(12345), "UNKNOWN") == 0);
  packet[0] ^= 1;
  CHECK(gc_decoder_decode(receiver, packet, 60, decoded, COUNT) != GC_OK);

  /* State: a restored encoder writes the original's next packet. */
  size_t blob_size = 0;
  CHECK(gc_encoder_save_state(workers[1], NULL, 0, &blob_size) == GC_INVALID_ARGUMENT);
  uint8_t* blob = malloc(blob_size);
  CHECK(gc_encoder_save_state(workers[1], blob, blob_size, &blob_size) == GC_OK);
  gc_encoder* restored;
  CHECK(gc_encoder_create(layout, params, &restored) == GC_OK);
  CHECK(gc_encoder_restore_state(restored, blob, blob_size) == GC_OK);
  uint8_t* again = malloc(bound);
  size_t size_a = 0, size_b = 0;
  fill(update, 5, 1);
  CHECK(gc_encoder_encode(workers[1], update, COUNT, packet, bound, &size_a, NULL) == GC_OK);
  CHECK(gc_encoder_encode(restored, update, COUNT, again, bound, &size_b, NULL) == GC_OK);
  CHECK(size_a == size_b && memcmp(packet, again, size_a) == 0);
  blob[7] ^= 1;
  CHECK(gc_encoder_restore_state(restored, blob, blob_size) == GC_CHECKSUM_MISMATCH);

  /* A bad layout fails at creation, with a message. */
  gc_layout* bad = gc_layout_create();
  gc_encoder* none = (gc_encoder*)1;
  CHECK(gc_encoder_create(bad, params, &none) != GC_OK);
  CHECK(none == NULL);
  CHECK(strlen(gc_last_create_error()) > 0);

  free(again);
  free(blob);
  free(packet);
  gc_layout_destroy(bad);
  gc_encoder_destroy(restored);
  gc_decoder_destroy(receiver);
  gc_aggregator_destroy(aggregator);
  for (int w = 0; w < 2; ++w) gc_encoder_destroy(workers[w]);
  gc_params_destroy(server);
  gc_params_destroy(params);
  gc_layout_destroy(layout);
  if (failures != 0) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("C API: all checks passed\n");
  return 0;
}
