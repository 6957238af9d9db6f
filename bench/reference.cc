#include "reference.h"

#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "codec/cache_aligned_vector.h"

namespace gradcodec::bench {

float StreamingSum(const float* values, size_t count) {
  size_t i = 0;
  float sum = 0;
#if defined(__SSE2__)
  // Eight vector accumulators, eight chains of adds. One chain (what GCC
  // made of four float accumulators: one vector) held the read back on
  // the Xeons here: codec_bench's inputs from memory at 2.1 floats/ns
  // against 2.9 for eight chains, and a 64 MiB buffer in cache at 4.7 to
  // 5.3 against 5.9.
  constexpr size_t kChains = 8;
  __m128 chain[kChains];
#pragma GCC unroll 8
  for (__m128& c : chain) c = _mm_setzero_ps();
  for (; i + 4 * kChains <= count; i += 4 * kChains) {
#pragma GCC unroll 8
    for (size_t k = 0; k < kChains; ++k) {
      chain[k] = _mm_add_ps(chain[k], _mm_loadu_ps(values + i + 4 * k));
    }
  }
#pragma GCC unroll 8
  for (size_t k = 1; k < kChains; ++k) {
    chain[0] = _mm_add_ps(chain[0], chain[k]);
  }
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, chain[0]);
  sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
#endif
  for (; i < count; ++i) sum += values[i];
  return sum;
}

void RunStreamingRead(benchmark::State& state,
                      const std::vector<const std::vector<float>*>& buffers) {
  size_t next = 0;
  for (auto _ : state) {
    const std::vector<float>& data = *buffers[next];
    benchmark::DoNotOptimize(StreamingSum(data.data(), data.size()));
    next = next + 1 == buffers.size() ? 0 : next + 1;
  }
  const auto floats = static_cast<int64_t>(buffers.front()->size());
  state.SetItemsProcessed(state.iterations() * floats);
  state.SetBytesProcessed(state.iterations() * floats *
                          static_cast<int64_t>(sizeof(float)));
}

void RunStreamingRead(benchmark::State& state, const std::vector<float>& data) {
  RunStreamingRead(state, {&data});
}

void RunMemcpy(benchmark::State& state, const std::vector<float>& data) {
  std::vector<float> copy(data.size());
  for (auto _ : state) {
    std::memcpy(copy.data(), data.data(), data.size() * sizeof(float));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(data.size()));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(data.size() * sizeof(float)));
}

namespace {

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

void RunErrorFeedbackFloor(benchmark::State& state,
                           const std::vector<const std::vector<float>*>& g) {
  const size_t count = g.front()->size();
  // Cache-line aligned, as the encoders' (and zero: no step yet).
  internal::CacheAlignedVector<float> error(count);
  internal::CacheAlignedVector<float> next_error(count);
  size_t next = 0;
  for (auto _ : state) {
    AddStreaming(g[next]->data(), error.data(), count, next_error.data());
    std::swap(error, next_error);
    benchmark::ClobberMemory();
    next = next + 1 == g.size() ? 0 : next + 1;
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
