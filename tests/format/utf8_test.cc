#include "format/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace gradcodec::internal {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8WithoutNul(""));
  EXPECT_TRUE(IsValidUtf8WithoutNul("fc1.weight"));
  EXPECT_TRUE(IsValidUtf8WithoutNul("\xCE\xB8"));              // U+03B8
  EXPECT_TRUE(IsValidUtf8WithoutNul("\xE2\x82\xAC"));          // U+20AC
  EXPECT_TRUE(IsValidUtf8WithoutNul("\xF0\x9F\x98\x80"));      // U+1F600
  EXPECT_TRUE(IsValidUtf8WithoutNul("\xF4\x8F\xBF\xBF"));      // U+10FFFF
}

TEST(Utf8Test, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8WithoutNul(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidUtf8WithoutNul("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8WithoutNul("\xC3"));              // cut short
  EXPECT_FALSE(IsValidUtf8WithoutNul("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8WithoutNul("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8WithoutNul("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8WithoutNul("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8WithoutNul("\xFF"));
  EXPECT_FALSE(IsValidUtf8WithoutNul("\xC3\x28"));          // bad continuation
}

}  // namespace
}  // namespace gradcodec::internal
