// Splitting a bit vector into one bit vector per context (the bits of each
// context in their original order) and merging them back. The fast context
// coder codes each context's bits as one i.i.d. stream.
#ifndef GRADCODEC_CODEC_ENTROPY_CONTEXT_SPLIT_H_
#define GRADCODEC_CODEC_ENTROPY_CONTEXT_SPLIT_H_

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/types/span.h"

namespace gradcodec::internal {

// Per-context bit vectors in one allocation. Context c's bits live in
// words()[offset(c) .. offset(c) + BitWords(count(c))), zero past its end.
class ContextBitVectors {
 public:
  // Sets up empty vectors for the given per-context bit counts.
  explicit ContextBitVectors(absl::Span<const uint64_t> counts = {});

  // Empty vectors for new counts, in the storage already held when it is
  // large enough (a decoder reuses one set from packet to packet).
  void Reset(absl::Span<const uint64_t> counts);

  uint32_t context_count() const {
    return static_cast<uint32_t>(counts_.size());
  }
  uint64_t count(uint32_t c) const { return counts_[c]; }
  uint64_t* words(uint32_t c) { return storage_.data() + offsets_[c]; }
  const uint64_t* words(uint32_t c) const {
    return storage_.data() + offsets_[c];
  }

 private:
  std::vector<uint64_t> counts_;
  std::vector<uint64_t> offsets_;
  std::vector<uint64_t> storage_;
};

// Per-context bit vectors that the split fills without counting the
// contexts first (a pass over every context byte of its own): each context
// has a buffer of its own that grows as its bits arrive. The buffers keep
// their capacity from one split to the next, so that an encoder that keeps
// one set per thread (EncoderScratch) allocates, and faults pages in, only
// when a context gets more bits than before.
//
// Context c's count(c) bits are in words(c)[0 .. BitWords(count(c))), zero
// past the end through one spare word.
class GrowingContextBitVectors {
 public:
  uint32_t context_count() const {
    return static_cast<uint32_t>(counts_.size());
  }
  uint64_t count(uint32_t c) const { return counts_[c]; }
  const uint64_t* words(uint32_t c) const { return buffers_[c].words.get(); }

  // For the split: empty vectors for `context_count` contexts of a stream
  // of `bit_count` bits, each with its first word cleared.
  void Start(uint32_t context_count, uint64_t bit_count);
  // Context c's words with room for `bits` bits and the spare word after
  // them; its first `kept` bits stay as they are (moved when it grows).
  uint64_t* Reserve(uint32_t c, uint64_t kept, uint64_t bits);
  // Bits context c has room for without Reserve.
  uint64_t capacity(uint32_t c) const { return buffers_[c].capacity * 64; }
  uint64_t* mutable_words(uint32_t c) { return buffers_[c].words.get(); }
  // Ends the split: context c has counts[c] bits (the spare word cleared).
  void Finish(const uint64_t* counts);

 private:
  struct Buffer {
    std::unique_ptr<uint64_t[]> words;
    uint64_t capacity = 0;  // words, besides the spare one
  };
  std::vector<Buffer> buffers_;
  std::vector<uint64_t> counts_;
  uint64_t largest_bit_count_ = 0;
};

// Gathers the bits of each context from `bits` (contexts.size() bits), for
// contexts below `context_count`, counting them as it goes.
void SplitByContext(const uint64_t* bits, absl::Span<const uint8_t> contexts,
                    uint32_t context_count, GrowingContextBitVectors& vectors);

// Context groups: several contexts whose bits are coded as one sequence
// (spec/FORMAT.md section 11.7.2). group_of[c] is the group of context c,
// for every context below kMaxGroupedContexts; a bit's group then stands
// for its context.
inline constexpr uint32_t kMaxGroupedContexts = 64;

// SplitByContext into one vector per group: bit i goes to group
// group_of[contexts[i]] (contexts below kMaxGroupedContexts, groups below
// group_count).
void SplitByContextGroups(const uint64_t* bits,
                          absl::Span<const uint8_t> contexts,
                          const uint8_t* group_of, uint32_t group_count,
                          GrowingContextBitVectors& vectors);

// The inverse: writes contexts.size() bits to `out`, taking each bit from
// its context's vector in order. CORRUPT_PAYLOAD if the contexts do not use
// exactly the bits each vector holds.
absl::Status MergeByContext(const ContextBitVectors& vectors,
                            absl::Span<const uint8_t> contexts, uint64_t* out);

// Contexts given as bit planes instead of a byte per bit: bit k of bit
// i's context is bit i of planes[k] for k < plane_count (BitWords(count)
// words each, zero past `count`), so every context is below
// 2^plane_count.
struct ContextPlanes {
  static constexpr uint32_t kMaxPlanes = 8;
  std::array<const uint64_t*, kMaxPlanes> planes{};
  uint32_t plane_count = 0;
  uint64_t count = 0;
  // When set (plane_count at most 6), bit i's context is its group:
  // group_of[the planes' value], 2^plane_count entries, each below the
  // group count (which the merge takes from its vectors).
  const uint8_t* group_of = nullptr;
};

// contexts[i] for every bit, a byte each.
void ContextsFromPlanes(const ContextPlanes& planes, uint8_t* contexts);

// The inverse: sets bit i of planes[k] to bit k of contexts[i] for k <
// plane_count, the planes BitWords(contexts.size()) zeroed words each.
void PlanesFromContexts(absl::Span<const uint8_t> contexts,
                        uint32_t plane_count, uint64_t* const* planes);

// Told which words of a merge's output are done: [first, end), in order
// and without gaps, each as soon as its bits are final, so that a caller
// can use them while they are still in cache. On a merge that then fails,
// the words it was told of hold unspecified bits.
using MergedWords = absl::FunctionRef<void(uint64_t first, uint64_t end)>;

// MergeByContext with the contexts as planes (the same output and errors
// as with ContextsFromPlanes' bytes). Tells `on_merged` of every output
// word, a block of them at a time on the AVX2 path.
absl::Status MergeByContextPlanes(
    const ContextBitVectors& vectors, const ContextPlanes& planes,
    uint64_t* out, MergedWords on_merged = [](uint64_t, uint64_t) {});

// The portable versions of the splits and merge, which the ones above use
// when the CPU lacks AVX2 and BMI2 (tests compare them); `group_of`, when
// set, as for SplitByContextGroups (context_count then counts groups).
void SplitByContextPortable(const uint64_t* bits,
                            absl::Span<const uint8_t> contexts,
                            uint32_t context_count,
                            GrowingContextBitVectors& vectors,
                            const uint8_t* group_of = nullptr);
absl::Status MergeByContextPortable(const ContextBitVectors& vectors,
                                    absl::Span<const uint8_t> contexts,
                                    uint64_t* out);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_CODEC_ENTROPY_CONTEXT_SPLIT_H_
