// Run-time CPU feature checks for the coders' vector paths. The library is
// built for a baseline (x86-64-v2 by default, GRADCODEC_MARCH) and picks
// its AVX2 paths per call, so one binary runs everywhere and uses what the
// machine has; every vector path produces exactly the bytes of its portable
// twin.
#ifndef GRADCODEC_CODEC_ENTROPY_CPU_FEATURES_H_
#define GRADCODEC_CODEC_ENTROPY_CPU_FEATURES_H_

namespace gradcodec::internal {

// AVX2, BMI1/2 and POPCNT (what the `target("avx2,bmi,bmi2,popcnt")`
// functions use). Cached after the first call. Always false off x86-64.
bool CpuHasAvx2Bmi2();

// AVX-512 F, BW, DQ, VL and VBMI as well (what the `target("avx2,bmi,bmi2,
// popcnt,avx512f,avx512bw,avx512dq,avx512vl,avx512vbmi")` functions use):
// the few loops that have an AVX-512 path take it where this holds, their
// AVX2 one elsewhere. Cached after the first call. Always false off x86-64.
bool CpuHasAvx512Vbmi();

// For tests: while one lives, CpuHasAvx2Bmi2() and CpuHasAvx512Vbmi() say
// false, so that the portable paths run (and can be compared with the
// vector ones) on machines with AVX2 too. Not for concurrent use.
class ScopedPortablePathsForTesting {
 public:
  ScopedPortablePathsForTesting();
  ~ScopedPortablePathsForTesting();
  ScopedPortablePathsForTesting(const ScopedPortablePathsForTesting&) = delete;
  ScopedPortablePathsForTesting& operator=(
      const ScopedPortablePathsForTesting&) = delete;
};

// For tests: while one lives, CpuHasAvx512Vbmi() says false, so that the
// AVX2 paths run on machines with AVX-512 too. Not for concurrent use.
class ScopedAvx2PathsForTesting {
 public:
  ScopedAvx2PathsForTesting();
  ~ScopedAvx2PathsForTesting();
  ScopedAvx2PathsForTesting(const ScopedAvx2PathsForTesting&) = delete;
  ScopedAvx2PathsForTesting& operator=(const ScopedAvx2PathsForTesting&) =
      delete;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_CPU_FEATURES_H_
