#include "reference.h"

#include <cassert>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "codec/cache_aligned_vector.h"

namespace gradcodec::bench {
namespace {

// Four floats, in GCC's (and Clang's) vector extension: vector adds on
// every target, SSE on x86-64.
typedef float Floats4 __attribute__((vector_size(16)));

// The size of every buffer in `buffers`, of which there must be at least
// one, all of one size (asserted).
size_t CommonSize(const std::vector<const std::vector<float>*>& buffers) {
  assert(!buffers.empty());
  for (const std::vector<float>* buffer : buffers) {
    assert(buffer->size() == buffers.front()->size());
    (void)buffer;
  }
  return buffers.front()->size();
}

// out = g + e, with streaming stores where the target has them.
void AddStreaming(const float* g, const float* e, size_t count, float* out) {
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 4 <= count; i += 4) {
    _mm_stream_ps(out + i, _mm_add_ps(_mm_loadu_ps(g + i), _mm_load_ps(e + i)));
  }
  _mm_sfence();
#endif
  for (; i < count; ++i) out[i] = g[i] + e[i];
}

}  // namespace

float StreamingSum(const float* values, size_t count) {
  // Eight chains of adds. One chain (what GCC made of four float
  // accumulators: one vector) held the read back on the Xeons here:
  // codec_bench's inputs from memory at 2.1 floats/ns against 2.9 for
  // eight chains, a 64 MiB buffer in cache at 4.7 to 5.3 against 5.9.
  constexpr size_t kChains = 8;
  Floats4 chain[kChains] = {};
  size_t i = 0;
  for (; i + 4 * kChains <= count; i += 4 * kChains) {
#pragma GCC unroll 8
    for (size_t k = 0; k < kChains; ++k) {
      Floats4 four;
      std::memcpy(&four, values + i + 4 * k, sizeof(four));
      chain[k] += four;
    }
  }
#pragma GCC unroll 8
  for (size_t k = 1; k < kChains; ++k) chain[0] += chain[k];
  float sum = (chain[0][0] + chain[0][1]) + (chain[0][2] + chain[0][3]);
  for (; i < count; ++i) sum += values[i];
  return sum;
}

void RunStreamingRead(benchmark::State& state,
                      const std::vector<const std::vector<float>*>& buffers) {
  const auto floats = static_cast<int64_t>(CommonSize(buffers));
  size_t next = 0;
  for (auto _ : state) {
    const std::vector<float>& data = *buffers[next];
    benchmark::DoNotOptimize(StreamingSum(data.data(), data.size()));
    next = next + 1 == buffers.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(state.iterations() * floats);
  state.SetBytesProcessed(state.iterations() * floats *
                          static_cast<int64_t>(sizeof(float)));
}

void RunStreamingRead(benchmark::State& state, const std::vector<float>& data) {
  RunStreamingRead(state, {&data});
}

void RunMemcpy(benchmark::State& state,
               const std::vector<const std::vector<float>*>& buffers) {
  const size_t floats = CommonSize(buffers);
  std::vector<float> copy(floats);
  size_t next = 0;
  for (auto _ : state) {
    std::memcpy(copy.data(), buffers[next]->data(), floats * sizeof(float));
    benchmark::ClobberMemory();
    next = next + 1 == buffers.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(floats));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(floats * sizeof(float)));
}

void RunMemcpy(benchmark::State& state, const std::vector<float>& data) {
  RunMemcpy(state, {&data});
}

void RunErrorFeedbackFloor(
    benchmark::State& state,
    const std::vector<const std::vector<float>*>& steps) {
  const size_t count = CommonSize(steps);
  // Cache-line aligned, as the encoders' (and zero: no step yet).
  internal::CacheAlignedVector<float> error(count);
  internal::CacheAlignedVector<float> next_error(count);
  size_t next = 0;
  for (auto _ : state) {
    AddStreaming(steps[next]->data(), error.data(), count, next_error.data());
    std::swap(error, next_error);
    benchmark::ClobberMemory();
    next = next + 1 == steps.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(count));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(3 * count * sizeof(float)));
}

void RunStreamingReadBytes(benchmark::State& state,
                           const std::vector<uint8_t>& data) {
  for (auto _ : state) {
    uint64_t a = 0, b = 0, c = 0, d = 0;
    const size_t words = data.size() / 8;
    const uint8_t* p = data.data();
    size_t i = 0;
    for (; i + 4 <= words; i += 4) {
      uint64_t w[4];
      std::memcpy(w, p + i * 8, sizeof(w));
      a += w[0];
      b += w[1];
      c += w[2];
      d += w[3];
    }
    benchmark::DoNotOptimize(a + b + c + d);
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(data.size()));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(data.size()));
}

}  // namespace gradcodec::bench
