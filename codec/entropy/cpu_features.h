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

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_CPU_FEATURES_H_
