// Reference points for every benchmark binary (DESIGN.md section 6).
//
// The machines are shared and noisy, so codec figures are reported as
// ratios against these, measured in the same process on the same buffer:
// a streaming read (sum of the floats, which the compiler cannot skip) and a
// memcpy. Register them beside each codec benchmark with the same sizes.
#ifndef GRADCODEC_BENCH_REFERENCE_H_
#define GRADCODEC_BENCH_REFERENCE_H_

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gradcodec::bench {

// Sums `values` with eight independent vector accumulators, so that the
// loop is bound by where the floats come from (memory or cache), not by
// the latency of one chain of adds.
float StreamingSum(const float* values, size_t count);

// Items = floats, bytes = float bytes, for one streaming read per iteration.
void RunStreamingRead(benchmark::State& state, const std::vector<float>& data);

// The same for a benchmark that takes its inputs in turn: `buffers` (at
// least one, all of one size), one per iteration in the same turn, so that
// the read finds its floats where the codec finds its own. Read again and
// again, one buffer stays, wholly or partly, in a last-level cache larger
// than it, while inputs taken in turn may come from memory: on the 260 MiB
// L3 of the Xeons here one 64 MiB buffer took 3.3 to 8.0 ms from process
// to process (with the one-chain sum StreamingSum replaced), five in turn
// 5.6 to 5.9 ms (eight chains) in every process.
void RunStreamingRead(benchmark::State& state,
                      const std::vector<const std::vector<float>*>& buffers);

// Items = floats, bytes = float bytes, for one memcpy per iteration, of
// the buffers in turn (as RunStreamingRead's) into one destination.
void RunMemcpy(benchmark::State& state, const std::vector<float>& data);
void RunMemcpy(benchmark::State& state,
               const std::vector<const std::vector<float>*>& buffers);

// The memory traffic of error feedback alone, for comparison with an
// encoder that keeps an error memory: per iteration e' = g + e, g the next
// of `steps` in turn (as RunStreamingRead takes its buffers), g and e read
// and e' written with streaming stores (as the encoders write theirs),
// then e' becomes e. Three times the streaming read's bytes and no other
// work: how fast such an encoder could be if nothing but its memory
// traffic took time. Items = floats of one step.
void RunErrorFeedbackFloor(benchmark::State& state,
                           const std::vector<const std::vector<float>*>& steps);

// The same for an arbitrary byte buffer (items = bytes).
void RunStreamingReadBytes(benchmark::State& state,
                           const std::vector<uint8_t>& data);

}  // namespace gradcodec::bench

#endif  // GRADCODEC_BENCH_REFERENCE_H_
