#include "codec/form_run.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "codec/entropy/byte_lookup_avx2.h"
#include "codec/entropy/cpu_features.h"
#include "codec/signxor/rule_compare_avx2.h"

namespace gradcodec::internal {
namespace {

// Whether a float is NaN or infinite: all exponent bits set.
inline uint32_t NotFinite(float v) {
  return (std::bit_cast<uint32_t>(v) & 0x7F800000u) == 0x7F800000u;
}

// p for one coordinate, in exactly the order of operations of the vector
// loops: ((mu (mu m + g)) + g) + e.
template <bool kMomentum, bool kError>
inline float FormScalar(const float* g, const float* m, const float* e,
                        float mu, uint64_t i) {
  float v = g[i];
  if constexpr (kMomentum) v = mu * (mu * m[i] + g[i]) + g[i];
  if constexpr (kError) v = v + e[i];
  return v;
}

// The end of a run that the vector loops leave: p one by one from
// coordinate `from`, and the sign words from the one holding coordinate
// `packed` (the loops wrote those before it) read back from p. Returns
// nonzero if some p formed here is not finite.
template <bool kMomentum, bool kError>
uint32_t FinishRun(const float* g, const float* m, const float* e, float mu,
                   uint64_t from, uint64_t packed, uint64_t count,
                   float* __restrict p, uint64_t* __restrict signs) {
  uint32_t bad = 0;
  for (uint64_t i = from; i < count; ++i) {
    const float v = FormScalar<kMomentum, kError>(g, m, e, mu, i);
    p[i] = v;
    bad |= NotFinite(v);
  }
  for (uint64_t w = packed / 64; w * 64 < count; ++w) {
    uint64_t word = 0;
    const uint64_t stop = std::min(count, w * 64 + 64);
    for (uint64_t j = w * 64; j < stop; ++j) {
      word |= static_cast<uint64_t>(p[j] < 0) << (j - w * 64);
    }
    signs[w] = word;
  }
  return bad;
}

// Forms p for the `count` coordinates from `begin` into p[0..count),
// writes their sign bits (1 for p < 0) to signs[0..BitWords(count)), zero
// past `count`, and adds |p| into the lanes for the first count / 8 * 8
// (lane k takes coordinates k mod 8 of the run). Returns false if some p is
// not finite.
template <bool kMomentum, bool kError>
bool FormRun(const EncodePassInput& in, uint64_t begin, uint64_t count,
             float* __restrict p, uint64_t* __restrict signs, Lanes& lanes) {
  const float* __restrict g = in.update.data() + begin;
  const float* __restrict m = kMomentum ? in.momentum + begin : nullptr;
  const float* __restrict e = kError ? in.error + begin : nullptr;
  const float mu = in.mu;
  uint64_t i = 0;
  uint32_t bad = 0;
#if defined(__SSE2__)
  const __m128 zero = _mm_setzero_ps();
  const __m128 abs_mask =
      _mm_castsi128_ps(_mm_set1_epi32(static_cast<int>(0x7FFFFFFFu)));
  const __m128i exponent = _mm_set1_epi32(0x7F800000);
  const __m128 vmu = _mm_set1_ps(mu);
  __m128 low = _mm_loadu_ps(lanes.v);
  __m128 high = _mm_loadu_ps(lanes.v + 4);
  __m128i not_finite = _mm_setzero_si128();
  auto form4 = [&](uint64_t j) {
    const __m128 gj = _mm_loadu_ps(g + j);
    __m128 v = gj;
    if constexpr (kMomentum) {
      v = _mm_add_ps(
          _mm_mul_ps(vmu, _mm_add_ps(_mm_mul_ps(vmu, _mm_loadu_ps(m + j)), gj)),
          gj);
    }
    if constexpr (kError) v = _mm_add_ps(v, _mm_loadu_ps(e + j));
    _mm_storeu_ps(p + j, v);
    not_finite = _mm_or_si128(
        not_finite,
        _mm_cmpeq_epi32(_mm_and_si128(_mm_castps_si128(v), exponent),
                        exponent));
    return v;
  };
  for (; i + 64 <= count; i += 64) {
    uint64_t word = 0;
    for (uint64_t k = 0; k < 64; k += 8) {
      const __m128 a = form4(i + k);
      const __m128 b = form4(i + k + 4);
      word |=
          static_cast<uint64_t>(_mm_movemask_ps(_mm_cmplt_ps(a, zero)) |
                                (_mm_movemask_ps(_mm_cmplt_ps(b, zero)) << 4))
          << k;
      low = _mm_add_ps(low, _mm_and_ps(a, abs_mask));
      high = _mm_add_ps(high, _mm_and_ps(b, abs_mask));
    }
    signs[i / 64] = word;
  }
  for (; i + 8 <= count; i += 8) {
    const __m128 a = form4(i);
    const __m128 b = form4(i + 4);
    low = _mm_add_ps(low, _mm_and_ps(a, abs_mask));
    high = _mm_add_ps(high, _mm_and_ps(b, abs_mask));
  }
  _mm_storeu_ps(lanes.v, low);
  _mm_storeu_ps(lanes.v + 4, high);
  bad = static_cast<uint32_t>(_mm_movemask_epi8(not_finite));
  const uint64_t packed = i / 64 * 64;  // sign words already written
#else
  for (; i + 8 <= count; i += 8) {
    for (int k = 0; k < 8; ++k) {
      const float v = FormScalar<kMomentum, kError>(g, m, e, mu, i + k);
      p[i + k] = v;
      bad |= NotFinite(v);
      lanes.v[k] += std::fabs(v);
    }
  }
  const uint64_t packed = 0;
#endif
  bad |= FinishRun<kMomentum, kError>(g, m, e, mu, i, packed, count, p, signs);
  return bad == 0;
}

#if defined(__x86_64__)
// The AVX2 twin of FormRun: the same operations on eight floats at a time
// (no FMA in the target, so every product is rounded as in the portable
// path), and one accumulator whose lane k takes coordinate i + k, which is
// exactly the eight lanes of kFlush in the same order of adds.
template <bool kMomentum, bool kError>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256
FormEight(const float* g, const float* m, const float* e, __m256 vmu,
          uint64_t j) {
  const __m256 gj = _mm256_loadu_ps(g + j);
  __m256 v = gj;
  if constexpr (kMomentum) {
    v = _mm256_add_ps(
        _mm256_mul_ps(
            vmu, _mm256_add_ps(_mm256_mul_ps(vmu, _mm256_loadu_ps(m + j)), gj)),
        gj);
  }
  if constexpr (kError) v = _mm256_add_ps(v, _mm256_loadu_ps(e + j));
  return v;
}

// Whether each lane of v is NaN or infinite (all exponent bits set).
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline __m256i
NotFiniteLanes(__m256 v) {
  const __m256i exponent = _mm256_set1_epi32(0x7F800000);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(v), exponent),
                            exponent);
}

template <bool kMomentum, bool kError>
__attribute__((target("avx2,bmi,bmi2,popcnt"))) bool FormRunAvx2(
    const EncodePassInput& in, uint64_t begin, uint64_t count,
    float* __restrict p, uint64_t* __restrict signs, Lanes& lanes) {
  const float* __restrict g = in.update.data() + begin;
  const float* __restrict m = kMomentum ? in.momentum + begin : nullptr;
  const float* __restrict e = kError ? in.error + begin : nullptr;
  const __m256 zero = _mm256_setzero_ps();
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  const __m256 vmu = _mm256_set1_ps(in.mu);
  __m256 sum = _mm256_loadu_ps(lanes.v);
  __m256i not_finite = _mm256_setzero_si256();
  uint64_t i = 0;
  for (; i + 64 <= count; i += 64) {
    uint64_t word = 0;
#pragma GCC unroll 8
    for (uint64_t k = 0; k < 64; k += 8) {
      const __m256 v = FormEight<kMomentum, kError>(g, m, e, vmu, i + k);
      _mm256_storeu_ps(p + i + k, v);
      not_finite = _mm256_or_si256(not_finite, NotFiniteLanes(v));
      word |= static_cast<uint64_t>(static_cast<uint32_t>(
                  _mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_LT_OQ))))
              << k;
      sum = _mm256_add_ps(sum, _mm256_and_ps(v, abs_mask));
    }
    signs[i / 64] = word;
  }
  const uint64_t packed = i;  // sign words already written
  for (; i + 8 <= count; i += 8) {
    const __m256 v = FormEight<kMomentum, kError>(g, m, e, vmu, i);
    _mm256_storeu_ps(p + i, v);
    not_finite = _mm256_or_si256(not_finite, NotFiniteLanes(v));
    sum = _mm256_add_ps(sum, _mm256_and_ps(v, abs_mask));
  }
  _mm256_storeu_ps(lanes.v, sum);
  const auto vector_bad =
      static_cast<uint32_t>(_mm256_movemask_epi8(not_finite));
  // GCC 12 emits no vzeroupper here of its own, and the SSE code after
  // (FinishRun, and the rest of the pass) runs far slower while the upper
  // halves are dirty.
  _mm256_zeroupper();
  const uint32_t bad =
      vector_bad |
      FinishRun<kMomentum, kError>(g, m, e, in.mu, i, packed, count, p, signs);
  return bad == 0;
}

// FormRunAvx2 with the rule's choice made in the same loop, while p is
// in registers, instead of in a pass over p of its own (RateDistortionRule::
// Choose): for a delta block of one run whose rule factor is known before
// its p is formed (from the block's previous scale). The same signs
// overridden and the same floats added in the same order as the two
// passes (rule_compare_avx2.h): raw[] and `lanes` as FormRun writes them,
// against[] the signs the rule overrides, and their |p| added into
// `against_lanes`. `count` a multiple of 64; `reference` the run's
// reference signs and in.contexts moved on for this step. codec_bench's
// Encode/4: 24.9 -> 23.2 ms (best of five alternating runs), against
// FormRunAvx2 and then the rule's pass.
template <bool kMomentum, bool kError>
__attribute__((target("avx2,bmi,bmi2,popcnt"))) bool FormAndChooseRunAvx2(
    const EncodePassInput& in, uint64_t begin, uint64_t count,
    float level_scale, const uint64_t* __restrict reference,
    float* __restrict p, uint64_t* __restrict raw, uint64_t* __restrict against,
    Lanes& lanes, Lanes& against_lanes) {
  const float* __restrict g = in.update.data() + begin;
  const float* __restrict m = kMomentum ? in.momentum + begin : nullptr;
  const float* __restrict e = kError ? in.error + begin : nullptr;
  const uint8_t* __restrict contexts = in.contexts + begin;
  const ByteTable64 levels = LoadByteTable64(in.rule->levels());
  const __m256i rate_context_mask =
      _mm256_set1_epi8(static_cast<char>(kRateContextMask));
  const __m256 zero = _mm256_setzero_ps();
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  const __m256 vmu = _mm256_set1_ps(in.mu);
  const __m256 vscale = _mm256_set1_ps(level_scale);
  __m256 sum = _mm256_loadu_ps(lanes.v);
  __m256 against_sum = _mm256_loadu_ps(against_lanes.v);
  __m256i not_finite = _mm256_setzero_si256();
  for (uint64_t w = 0; w < count / 64; ++w) {
    uint64_t signs = 0;
    uint64_t below = 0;
    uint64_t favour_flip = 0;
#pragma GCC unroll 2
    for (int half = 0; half < 2; ++half) {
      const uint64_t at = w * 64 + 32 * half;
      const __m256i level = LookUpBytes64(
          levels,
          _mm256_and_si256(_mm256_loadu_si256(
                               reinterpret_cast<const __m256i*>(contexts + at)),
                           rate_context_mask));
      favour_flip |= static_cast<uint64_t>(
                         static_cast<uint32_t>(_mm256_movemask_epi8(level)))
                     << (32 * half);
      __m256 magnitudes[4];
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {
        const __m256 v = FormEight<kMomentum, kError>(g, m, e, vmu, at + 8 * k);
        _mm256_storeu_ps(p + at + 8 * k, v);
        not_finite = _mm256_or_si256(not_finite, NotFiniteLanes(v));
        signs |= static_cast<uint64_t>(static_cast<uint32_t>(
                     _mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_LT_OQ))))
                 << (32 * half + 8 * k);
        magnitudes[k] = _mm256_and_ps(v, abs_mask);
        sum = _mm256_add_ps(sum, magnitudes[k]);
      }
      below |= static_cast<uint64_t>(BelowLevels32(magnitudes, vscale, level))
               << (32 * half);
    }
    raw[w] = signs;
    const uint64_t word = below & (signs ^ reference[w] ^ favour_flip);
    against[w] = word;
    against_sum = AddSelectedMagnitudes(against_sum, word, p + w * 64);
  }
  _mm256_storeu_ps(lanes.v, sum);
  _mm256_storeu_ps(against_lanes.v, against_sum);
  const bool finite = _mm256_movemask_epi8(not_finite) == 0;
  _mm256_zeroupper();  // as in FormRunAvx2
  return finite;
}

// FormAndChooseRunAvx2 on AVX-512 (CpuHasAvx512Vbmi): sixteen coordinates
// an instruction; one vpermb looks up 64 contexts' levels (the low six bits
// of each byte index the table: the rate context); comparisons give bit
// masks without movemasks; and the overridden |p| are added by masked adds
// straight from the word of overrides. The sums keep the eight lanes of
// kFlush, each 16-float vector added as its two halves in coordinate order,
// and a masked-off lane keeps its sum where the AVX2 path adds +0: the same
// floats. The rule's comparison is made in float, |p| * scale < level,
// which for an integer level is the AVX2 path's floor(|p| * scale) <
// level, NaN and infinite products below no level in either. codec_bench
// Encode/4: 23.1 -> 21.7 ms against the AVX2 path (best of five
// alternating runs, one binary, on a Xeon with AVX-512).
//
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*, which
// -Wmaybe-uninitialized reports (a known false positive).
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

template <bool kMomentum, bool kError>
__attribute__((target("avx2,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,"
                      "avx512vl,avx512vbmi"),
               always_inline)) inline __m512
FormSixteen(const float* g, const float* m, const float* e, __m512 vmu,
            uint64_t j) {
  const __m512 gj = _mm512_loadu_ps(g + j);
  __m512 v = gj;
  if constexpr (kMomentum) {
    v = _mm512_add_ps(
        _mm512_mul_ps(
            vmu, _mm512_add_ps(_mm512_mul_ps(vmu, _mm512_loadu_ps(m + j)), gj)),
        gj);
  }
  if constexpr (kError) v = _mm512_add_ps(v, _mm512_loadu_ps(e + j));
  return v;
}

template <bool kMomentum, bool kError>
__attribute__((
    target("avx2,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,"
           "avx512vl,avx512vbmi"))) bool
FormAndChooseRunAvx512(const EncodePassInput& in, uint64_t begin,
                       uint64_t count, float level_scale,
                       const uint64_t* __restrict reference,
                       float* __restrict p, uint64_t* __restrict raw,
                       uint64_t* __restrict against, Lanes& lanes,
                       Lanes& against_lanes) {
  const float* __restrict g = in.update.data() + begin;
  const float* __restrict m = kMomentum ? in.momentum + begin : nullptr;
  const float* __restrict e = kError ? in.error + begin : nullptr;
  const uint8_t* __restrict contexts = in.contexts + begin;
  const __m512i levels = _mm512_loadu_si512(in.rule->levels());
  const __m512 abs_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7FFFFFFF));
  const __m512i magnitude_bits = _mm512_set1_epi32(0x7F);
  const __m512 zero = _mm512_setzero_ps();
  const __m512 vmu = _mm512_set1_ps(in.mu);
  const __m512 vscale = _mm512_set1_ps(level_scale);
  __m256 sum = _mm256_loadu_ps(lanes.v);
  __m256 against_sum = _mm256_loadu_ps(against_lanes.v);
  __mmask16 not_finite = 0;
  for (uint64_t w = 0; w < count / 64; ++w) {
    // vpermb reads the low six bits of each index: the rate context.
    const __m512i level =
        _mm512_permutexvar_epi8(_mm512_loadu_si512(contexts + w * 64), levels);
    const uint64_t favour_flip = _mm512_movepi8_mask(level);
    // Each sixteen coordinates' levels widened from here (a load that
    // widens is one instruction, an extract and a widening two).
    alignas(64) uint8_t level_bytes[64];
    _mm512_store_si512(level_bytes, level);
    uint64_t signs = 0;
    uint64_t below = 0;
    __m512 magnitudes[4];
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
      const uint64_t at = w * 64 + 16 * q;
      const __m512 v = FormSixteen<kMomentum, kError>(g, m, e, vmu, at);
      _mm512_storeu_ps(p + at, v);
      // fpclass categories 0x01, 0x08, 0x10, 0x80: NaN, +Inf, -Inf.
      not_finite |= _mm512_fpclass_ps_mask(v, 0x99);
      signs |= static_cast<uint64_t>(_mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ))
               << (16 * q);
      magnitudes[q] = _mm512_and_ps(v, abs_mask);
      sum = _mm256_add_ps(sum, _mm512_castps512_ps256(magnitudes[q]));
      sum = _mm256_add_ps(sum, _mm512_extractf32x8_ps(magnitudes[q], 1));
      const __m512 limit = _mm512_cvtepi32_ps(_mm512_and_si512(
          _mm512_cvtepu8_epi32(_mm_load_si128(
              reinterpret_cast<const __m128i*>(level_bytes + 16 * q))),
          magnitude_bits));
      below |= static_cast<uint64_t>(_mm512_cmp_ps_mask(
                   _mm512_mul_ps(magnitudes[q], vscale), limit, _CMP_LT_OQ))
               << (16 * q);
    }
    raw[w] = signs;
    const uint64_t word = below & (signs ^ reference[w] ^ favour_flip);
    against[w] = word;
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
      against_sum = _mm256_mask_add_ps(
          against_sum, static_cast<__mmask8>(word >> (16 * q)), against_sum,
          _mm512_castps512_ps256(magnitudes[q]));
      against_sum = _mm256_mask_add_ps(
          against_sum, static_cast<__mmask8>(word >> (16 * q + 8)), against_sum,
          _mm512_extractf32x8_ps(magnitudes[q], 1));
    }
  }
  _mm256_storeu_ps(lanes.v, sum);
  _mm256_storeu_ps(against_lanes.v, against_sum);
  _mm256_zeroupper();  // as in FormRunAvx2
  return not_finite == 0;
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

// FormRun's instantiation for the inputs, on AVX2 where the CPU has it.
template <bool kMomentum, bool kError>
FormRunFn FormRunForCpu() {
#if defined(__x86_64__)
  if (CpuHasAvx2Bmi2()) return FormRunAvx2<kMomentum, kError>;
#endif
  return FormRun<kMomentum, kError>;
}

// FormAndChooseRun's instantiation for the inputs and the CPU (AVX-512 or
// AVX2), or null where the CPU lacks AVX2 (the pass then forms p and
// applies the rule in turn).
template <bool kMomentum, bool kError>
FormAndChooseRunFn FormAndChooseRunForCpu() {
#if defined(__x86_64__)
  if (CpuHasAvx512Vbmi()) return FormAndChooseRunAvx512<kMomentum, kError>;
  if (CpuHasAvx2Bmi2()) return FormAndChooseRunAvx2<kMomentum, kError>;
#endif
  return nullptr;
}

// f(momentum, error): whether the inputs have momentum and an error memory,
// as std::bool_constant, for choosing a template instantiation.
template <typename F>
auto WithInputs(const EncodePassInput& in, F f) {
  using std::bool_constant;
  const bool momentum = in.mu > 0;
  const bool error = in.error != nullptr;
  if (momentum && error) return f(bool_constant<true>(), bool_constant<true>());
  if (momentum) return f(bool_constant<true>(), bool_constant<false>());
  if (error) return f(bool_constant<false>(), bool_constant<true>());
  return f(bool_constant<false>(), bool_constant<false>());
}

}  // namespace

FormAndChooseRunFn ChooseFormAndChooseRun(const EncodePassInput& in) {
  return WithInputs(in, [](auto momentum, auto error) {
    return FormAndChooseRunForCpu<momentum, error>();
  });
}

FormRunFn ChooseFormRun(const EncodePassInput& in) {
  return WithInputs(in, [](auto momentum, auto error) {
    return FormRunForCpu<momentum, error>();
  });
}

bool FormRunForTesting(const EncodePassInput& in, uint64_t begin,
                       uint64_t count, float* p, uint64_t* signs,
                       float* lanes) {
  Lanes run_lanes;
  std::copy(lanes, lanes + 8, run_lanes.v);
  const bool finite = ChooseFormRun(in)(in, begin, count, p, signs, run_lanes);
  std::copy(run_lanes.v, run_lanes.v + 8, lanes);
  return finite;
}

float FormOneP(const EncodePassInput& in, uint64_t i) {
  return WithInputs(in, [&](auto momentum, auto error) {
    return FormScalar<momentum, error>(in.update.data(), in.momentum, in.error,
                                       in.mu, i);
  });
}

}  // namespace gradcodec::internal
