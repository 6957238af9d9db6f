// std::vector storage that starts on a cache line, for the encoder's error
// memory: the encode pass writes it a block at a time with streaming
// stores, and a line split between two blocks leaves the write-combining
// buffer half full while the pass works on the next block. With the
// 16-byte offset a large std::vector's storage has from its page, perf
// put over half of the error writes' cycles on each run's first store;
// aligned, the writes took 14.3% of codec_bench's Encode/4 cycles instead
// of 15.1%.
#ifndef GRADCODEC_CODEC_CACHE_ALIGNED_VECTOR_H_
#define GRADCODEC_CODEC_CACHE_ALIGNED_VECTOR_H_

#include <cstddef>
#include <new>
#include <vector>

namespace gradcodec::internal {

inline constexpr std::size_t kCacheLineBytes = 64;

template <typename T>
struct CacheLineAllocator {
  using value_type = T;

  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}  // NOLINT: rebinding

  T* allocate(std::size_t n) {
    return static_cast<T*>(
        ::operator new(n * sizeof(T), std::align_val_t{kCacheLineBytes}));
  }
  void deallocate(T* p, std::size_t) {
    ::operator delete(p, std::align_val_t{kCacheLineBytes});
  }
  friend bool operator==(const CacheLineAllocator&, const CacheLineAllocator&) {
    return true;
  }
};

template <typename T>
using CacheAlignedVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_CACHE_ALIGNED_VECTOR_H_
