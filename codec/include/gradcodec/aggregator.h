// The server side of two-way compression (dist-EF-SGD): decodes one packet
// from each of M worker streams into a single running sum (no dense
// temporary per worker), averages, and re-encodes the average for the
// broadcast with its own encoder, whose error memory is the server's.
//
//   for each round:
//     for each worker w: AddWorkerPacket(w, packet_w)
//     Finish(&broadcast)        // every worker decodes `broadcast`
//
// Not thread-safe.
#ifndef GRADCODEC_AGGREGATOR_H_
#define GRADCODEC_AGGREGATOR_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gradcodec/codec_options.h"
#include "gradcodec/encoder.h"

namespace gradcodec {

struct AggregatorOptions {
  // M, the worker streams (1..65536).
  uint32_t worker_count = 1;
  // The broadcast encoder: any method; its layout has the workers'
  // tensors (names, shapes and dtypes, in order), and its error feedback is
  // the server's error memory. Its block sizes are its own: a broadcast
  // with finer blocks than the workers' keeps the server's re-encoding from
  // adding much error (bench/training_check). Momentum is usually left off
  // on the server.
  EncoderOptions broadcast;
};

class Aggregator {
 public:
  // INVALID_ARGUMENT for a worker count out of range, and the errors of
  // Encoder::Create.
  static absl::StatusOr<std::unique_ptr<Aggregator>> Create(
      const AggregatorOptions& options);

  ~Aggregator();
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  // Decodes worker `worker`'s packet of this round and adds 1/M of it to
  // the round's sum. Errors: INVALID_ARGUMENT (worker out of range, or a
  // key packet whose tensors are not the broadcast's); BAD_STATE (the worker
  // already contributed this round); every error of Decoder::Decode. On
  // error the sum and the worker's decoder are unchanged.
  absl::Status AddWorkerPacket(uint32_t worker,
                               absl::Span<const uint8_t> packet);

  // Encodes the round's average (plus the server's error memory) into
  // `broadcast` and starts the next round. `reconstruction`, if not empty,
  // receives what the workers will decode. BAD_STATE until every worker has
  // contributed; the encoder's errors (NON_FINITE_INPUT) otherwise, leaving
  // the round open.
  absl::Status Finish(std::vector<uint8_t>* broadcast,
                      absl::Span<float> reconstruction = {});

  // Makes the next broadcast a key packet.
  void RequestBroadcastKey();

  // How many workers have contributed to the open round.
  uint32_t contributed() const;

  // An upper bound on the size of a broadcast packet (the broadcast
  // encoder's MaxPacketSize).
  uint64_t MaxPacketSize() const;

 private:
  struct State;
  explicit Aggregator(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace gradcodec

#endif  // GRADCODEC_AGGREGATOR_H_
