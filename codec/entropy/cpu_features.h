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

// For tests: while one lives, CpuHasAvx2Bmi2() says false, so that the
// portable paths run (and can be compared with the vector ones) on
// machines with AVX2 too. Not for concurrent use.
class ScopedPortablePathsForTesting {
 public:
  ScopedPortablePathsForTesting();
  ~ScopedPortablePathsForTesting();
  ScopedPortablePathsForTesting(const ScopedPortablePathsForTesting&) = delete;
  ScopedPortablePathsForTesting& operator=(
      const ScopedPortablePathsForTesting&) = delete;
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_CPU_FEATURES_H_
