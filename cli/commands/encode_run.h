// Runs an Encoder over the steps of a dump and measures what it does: the
// engine behind `compress` and `analyze` (which differ only in whether the
// packets go to a file).
//
// Measures, per tensor and in total: coordinates, input bytes (as stored in
// the dump), output bytes, and the distortion of each step's reconstruction
// Delta against the vector v the encoder was handed (the gradient, or its
// Nesterov form with --momentum): relative error ||Delta - v|| / ||v|| and
// cosine similarity, both over all steps; and the error-feedback residual
// ||e_T|| / sqrt(mean_t ||v_t||^2): the error memory left at the end, in
// steps' worth of update (what error feedback still owes the receiver).
//
// Output bytes per tensor are shared out of each packet: the block_scales
// section by blocks, a signs section by coordinates, a flips section by the
// entropy of each tensor's flips (n H(flips / n)), and the rest (header,
// layout, checksum, container framing) by coordinates. Totals are exact.
#ifndef GRADCODEC_CLI_COMMANDS_ENCODE_RUN_H_
#define GRADCODEC_CLI_COMMANDS_ENCODE_RUN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "cli/commands/codec_settings.h"
#include "cli/dump/dump_reader.h"
#include "gradcodec/encoder.h"

namespace gradcodec::cli {

struct TensorReport {
  std::string name;
  std::vector<uint64_t> shape;
  DType dtype = DType::kFloat32;
  uint64_t coordinates = 0;  // per step
  uint64_t blocks = 0;       // per step
  uint64_t input_bytes = 0;  // over all steps
  double output_bytes = 0;   // over all steps (shared out, see above)
  double error_squares = 0;      // sum ||Delta - v||^2
  double reference_squares = 0;  // sum ||v||^2
  double output_squares = 0;     // sum ||Delta||^2
  double dot = 0;                // sum <Delta, v>

  double relative_error() const;
  double cosine_similarity() const;
};

struct RunReport {
  std::string label;  // the method's name, or a baseline's
  uint64_t steps = 0;
  uint64_t coordinates = 0;  // per step
  uint64_t input_bytes = 0;
  uint64_t output_bytes = 0;
  uint64_t key_packets = 0;
  double encode_seconds = 0;  // inside Encoder::Encode only
  double wall_seconds = 0;    // reading, encoding and measuring
  double ef_residual = 0;
  std::vector<TensorReport> tensors;
  std::vector<std::string> notes;  // skipped tensors, per distinct note

  double bits_per_coordinate() const;
  double relative_error() const;
  double cosine_similarity() const;
};

// A report with no steps yet: the tensors of `first_step` (blocks counted
// with `block_size`), and where each starts in the flat vector.
RunReport EmptyReport(std::string label, const DumpStep& first_step,
                      uint64_t block_size, std::vector<uint64_t>* tensor_starts);

// Receives each packet as it is made (compress writes them to its file).
using PacketSink = std::function<absl::Status(absl::Span<const uint8_t>)>;

// One encoder and its measurements, fed a step at a time (analyze runs one
// per method over the same steps).
class EncodeMeter {
 public:
  // Errors: Encoder::Create's (bad settings, or a layout the format cannot
  // hold, naming the tensor).
  static absl::StatusOr<std::unique_ptr<EncodeMeter>> Create(
      const CodecSettings& settings, const DumpStep& first_step);
  ~EncodeMeter();

  // Encodes `flat` (the step's tensors, one after another) and hands the
  // packet to `sink` (may be empty). Errors name the step's path: the
  // encoder's (NaN or Inf, naming the tensor and element; the encoder's
  // state is unchanged) and the sink's.
  absl::Status AddStep(const DumpStep& step, absl::Span<const float> flat,
                       const PacketSink& sink);

  RunReport Finish() const;

 private:
  EncodeMeter() = default;

  CodecSettings settings_;
  std::unique_ptr<Encoder> encoder_;
  RunReport report_;
  std::vector<uint64_t> tensor_starts_;  // tensor k: [starts[k], starts[k+1])
  std::vector<float> momentum_;          // mirrors the encoder's, for v
  bool sign_method_ = true;  // Delta from Encoder::last_reconstruction
  std::vector<float> v_;
  std::vector<float> dense_delta_;        // the other methods' Delta
  std::vector<uint64_t> previous_signs_;  // of the last packet
  std::vector<uint8_t> packet_;
  bool has_previous_ = false;
  std::vector<std::string> notes_seen_;
};

// Adds a container's own bytes (file header, record framing, index) to the
// output, shared out by coordinates.
void AddFramingBytes(uint64_t bytes, RunReport* report);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_COMMANDS_ENCODE_RUN_H_
