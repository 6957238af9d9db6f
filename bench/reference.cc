#include "reference.h"

#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "codec/cache_aligned_vector.h"

namespace gradcodec::bench {

float StreamingSum(const float* values, size_t count) {
  float a = 0, b = 0, c = 0, d = 0;
  size_t i = 0;
  for (; i + 4 <= count; i += 4) {
    a += values[i];
    b += values[i + 1];
    c += values[i + 2];
    d += values[i + 3];
  }
  for (; i < count; ++i) a += values[i];
  return (a + b) + (c + d);
}

void RunStreamingRead(benchmark::State& state, const std::vector<float>& data) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(StreamingSum(data.data(), data.size()));
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(data.size()));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(data.size() * sizeof(float)));
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
                           const std::vector<float>& g) {
  // Cache-line aligned, as the encoders' (and zero: no step yet).
  internal::CacheAlignedVector<float> error(g.size());
  internal::CacheAlignedVector<float> next_error(g.size());
  for (auto _ : state) {
    AddStreaming(g.data(), error.data(), g.size(), next_error.data());
    std::swap(error, next_error);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(g.size()));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(3 * g.size() * sizeof(float)));
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
