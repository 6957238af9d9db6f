#include "cli/dump/natural_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace gradcodec::cli {
namespace {

TEST(NaturalOrderTest, NumbersCompareByValue) {
  EXPECT_TRUE(NaturalLess("step_2", "step_10"));
  EXPECT_FALSE(NaturalLess("step_10", "step_2"));
  EXPECT_TRUE(NaturalLess("step_0009", "step_10"));
  EXPECT_TRUE(NaturalLess("a9b", "a10a"));
  EXPECT_TRUE(NaturalLess("step", "step_1"));
  EXPECT_TRUE(NaturalLess("x99999999999999999999998", "x99999999999999999999999"));
}

TEST(NaturalOrderTest, IsATotalOrder) {
  // Equal by value but spelled differently: still ordered, consistently.
  EXPECT_NE(NaturalLess("s01", "s1"), NaturalLess("s1", "s01"));
  EXPECT_FALSE(NaturalLess("same", "same"));
}

TEST(NaturalOrderTest, SortsStepFiles) {
  std::vector<std::string> names = {"step_10.npz", "step_2.npz", "step_1.npz",
                                    "step_100.npz", "step_11.npz"};
  std::sort(names.begin(), names.end(), NaturalLess);
  EXPECT_EQ(names, (std::vector<std::string>{"step_1.npz", "step_2.npz",
                                             "step_10.npz", "step_11.npz",
                                             "step_100.npz"}));
}

}  // namespace
}  // namespace gradcodec::cli
