#include "gradcodec/aggregator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gradcodec/decoder.h"
#include "gradcodec/error_code.h"
#include "gradcodec/packet_info.h"

namespace gradcodec {

inline constexpr uint32_t kMaxWorkers = 65536;

namespace {

// Whether two layouts describe the same coordinates: the same tensors, in
// the same order, with the same shapes and dtypes. Block sizes may differ:
// the broadcast's blocks are the aggregator's choice, not the workers'.
bool SameTensors(const Layout& a, const Layout& b) {
  return std::equal(a.tensors.begin(), a.tensors.end(), b.tensors.begin(),
                    b.tensors.end(),
                    [](const TensorSpec& x, const TensorSpec& y) {
                      return x.name == y.name && x.shape == y.shape &&
                             x.dtype == y.dtype;
                    });
}

}  // namespace

struct Aggregator::State {
  AggregatorOptions options;
  std::unique_ptr<Encoder> encoder;
  std::vector<std::unique_ptr<Decoder>> decoders;
  std::vector<bool> contributed;
  uint32_t contributions = 0;
  std::vector<float> sum;  // 1/M of each contribution so far
};

absl::StatusOr<std::unique_ptr<Aggregator>> Aggregator::Create(
    const AggregatorOptions& options) {
  if (options.worker_count < 1 || options.worker_count > kMaxWorkers) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("aggregator option `worker_count` is ",
                                  options.worker_count, "; it must be 1..",
                                  kMaxWorkers));
  }
  auto state = std::make_unique<State>();
  state->options = options;
  absl::StatusOr<std::unique_ptr<Encoder>> encoder =
      Encoder::Create(options.broadcast);
  if (!encoder.ok()) return encoder.status();
  state->encoder = std::move(*encoder);
  for (uint32_t w = 0; w < options.worker_count; ++w) {
    state->decoders.push_back(std::move(*Decoder::Create()));
  }
  state->contributed.assign(options.worker_count, false);
  state->sum.assign(options.broadcast.layout.coordinate_count(), 0.0f);
  return std::unique_ptr<Aggregator>(new Aggregator(std::move(state)));
}

Aggregator::Aggregator(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
Aggregator::~Aggregator() = default;

uint32_t Aggregator::contributed() const { return state_->contributions; }

uint64_t Aggregator::MaxPacketSize() const {
  return state_->encoder->MaxPacketSize();
}

void Aggregator::RequestBroadcastKey() { state_->encoder->RequestKey(); }

absl::Status Aggregator::AddWorkerPacket(uint32_t worker,
                                         absl::Span<const uint8_t> packet) {
  State& st = *state_;
  if (worker >= st.options.worker_count) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("worker ", worker, " does not exist; there "
                                  "are ", st.options.worker_count));
  }
  if (st.contributed[worker]) {
    return MakeError(ErrorCode::kBadState,
                     absl::StrCat("worker ", worker,
                                  " already contributed to this round"));
  }
  // A key packet must describe the broadcast's tensors: checked before the
  // worker's decoder takes it.
  absl::StatusOr<PacketInfo> info = ReadPacketInfo(packet);
  if (!info.ok()) return info.status();
  if (info->layout.has_value() &&
      !SameTensors(*info->layout, st.options.broadcast.layout)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     absl::StrCat("worker ", worker,
                                  "'s key packet has tensors other than the "
                                  "broadcast's (names, shapes and dtypes "
                                  "must match; block sizes may differ)"));
  }
  const float weight = 1.0f / static_cast<float>(st.options.worker_count);
  if (absl::Status s =
          st.decoders[worker]->DecodeAndAdd(packet, weight,
                                            absl::MakeSpan(st.sum));
      !s.ok()) {
    return s;
  }
  st.contributed[worker] = true;
  ++st.contributions;
  return absl::OkStatus();
}

absl::Status Aggregator::Finish(std::vector<uint8_t>* broadcast,
                                absl::Span<float> reconstruction) {
  State& st = *state_;
  if (st.contributions != st.options.worker_count) {
    return MakeError(ErrorCode::kBadState,
                     absl::StrCat(st.contributions, " of ",
                                  st.options.worker_count,
                                  " workers have contributed to this round"));
  }
  if (absl::Status s = st.encoder->Encode(st.sum, broadcast, reconstruction);
      !s.ok()) {
    return s;
  }
  std::fill(st.sum.begin(), st.sum.end(), 0.0f);
  std::fill(st.contributed.begin(), st.contributed.end(), false);
  st.contributions = 0;
  return absl::OkStatus();
}

}  // namespace gradcodec
