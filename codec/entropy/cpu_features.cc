#include "codec/entropy/cpu_features.h"

namespace gradcodec::internal {

bool CpuHasAvx2Bmi2() {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx2") &&
                          __builtin_cpu_supports("bmi") &&
                          __builtin_cpu_supports("bmi2") &&
                          __builtin_cpu_supports("popcnt");
  return has;
#else
  return false;
#endif
}

}  // namespace gradcodec::internal
