#include "http/url.h"

#include <gtest/gtest.h>

namespace cangku::http {
namespace {

TEST(UrlTest, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%2Fb"), "a/b");
  EXPECT_EQ(PercentDecode("%2e%2e"), "..");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_FALSE(PercentDecode("%"));
  EXPECT_FALSE(PercentDecode("%2"));
  EXPECT_FALSE(PercentDecode("%zz"));
}

TEST(UrlTest, PercentEncodeRoundTrips) {
  std::string s = "library/debian:12 ü&=";
  EXPECT_EQ(PercentDecode(PercentEncode(s)), s);
  EXPECT_EQ(PercentEncode("a/b", true), "a/b");
  EXPECT_EQ(PercentEncode("a/b"), "a%2Fb");
}

TEST(UrlTest, QueryValue) {
  EXPECT_EQ(QueryValue("n=10&last=b", "last"), "b");
  EXPECT_EQ(QueryValue("digest=sha256%3Aab", "digest"), "sha256:ab");
  EXPECT_EQ(QueryValue("mount=x&mount=y", "mount"), "x");
  EXPECT_EQ(QueryValue("flag", "flag"), "");
  EXPECT_FALSE(QueryValue("n=10", "last"));
  EXPECT_FALSE(QueryValue("n=%zz", "n"));
}

}  // namespace
}  // namespace cangku::http
