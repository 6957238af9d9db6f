#include "codec/entropy/cpu_features.h"

#include <atomic>

namespace gradcodec::internal {
namespace {

std::atomic<bool> portable_for_testing{false};
std::atomic<bool> avx2_for_testing{false};

}  // namespace

bool CpuHasAvx2Bmi2() {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx2") &&
                          __builtin_cpu_supports("bmi") &&
                          __builtin_cpu_supports("bmi2") &&
                          __builtin_cpu_supports("popcnt");
  return has && !portable_for_testing.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

bool CpuHasAvx512Vbmi() {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512vbmi");
  return has && CpuHasAvx2Bmi2() &&
         !avx2_for_testing.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

ScopedPortablePathsForTesting::ScopedPortablePathsForTesting() {
  portable_for_testing.store(true, std::memory_order_relaxed);
}

ScopedPortablePathsForTesting::~ScopedPortablePathsForTesting() {
  portable_for_testing.store(false, std::memory_order_relaxed);
}

ScopedAvx2PathsForTesting::ScopedAvx2PathsForTesting() {
  avx2_for_testing.store(true, std::memory_order_relaxed);
}

ScopedAvx2PathsForTesting::~ScopedAvx2PathsForTesting() {
  avx2_for_testing.store(false, std::memory_order_relaxed);
}

}  // namespace gradcodec::internal
