// A MergedWords callback (codec/entropy/context_split.h) that checks its
// contract on every call: ranges of words in order, with no gap, repeat or
// empty range, each holding its final bits when told of.
#ifndef GRADCODEC_TESTS_CODEC_ENTROPY_MERGED_WORDS_CHECKER_H_
#define GRADCODEC_TESTS_CODEC_ENTROPY_MERGED_WORDS_CHECKER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace gradcodec::internal {

class MergedWordsChecker {
 public:
  // `out`: the merge's output; `expected`: its words once merged.
  MergedWordsChecker(const uint64_t* out, std::vector<uint64_t> expected,
                     std::string label)
      : out_(out), expected_(std::move(expected)), label_(std::move(label)) {}

  // (const: absl::FunctionRef calls its callable as const.)
  void operator()(uint64_t first, uint64_t end) const {
    EXPECT_EQ(first, told_) << label_ << ": a gap or a repeat";
    EXPECT_LT(first, end) << label_ << ": an empty range";
    ASSERT_LE(end, expected_.size()) << label_ << ": past the output";
    for (uint64_t w = first; w < end; ++w) {
      ASSERT_EQ(out_[w], expected_[w])
          << label_ << ": word " << w << " told of before it was merged";
    }
    told_ = end;
  }

  // Every word was told of.
  void ExpectAllTold() const {
    EXPECT_EQ(told_, expected_.size()) << label_ << ": words never told of";
  }

 private:
  const uint64_t* out_;
  std::vector<uint64_t> expected_;
  std::string label_;
  mutable uint64_t told_ = 0;  // the words told of so far
};

}  // namespace gradcodec::internal

#endif  // GRADCODEC_TESTS_CODEC_ENTROPY_MERGED_WORDS_CHECKER_H_
