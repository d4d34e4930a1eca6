#include "http/range.h"

#include <gtest/gtest.h>

namespace cangku::http {
namespace {

TEST(RangeTest, Forms) {
  auto r = ParseRange("bytes=0-9", 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 0u);
  EXPECT_EQ(r->last, 9u);
  EXPECT_EQ(r->length(), 10u);
  r = ParseRange("bytes=90-", 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last, 99u);
  r = ParseRange("bytes=-10", 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 90u);
  r = ParseRange("bytes=50-1000", 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last, 99u);
  r = ParseRange("bytes=-1000", 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 0u);
}

TEST(RangeTest, Unsatisfiable) {
  EXPECT_EQ(ParseRange("bytes=100-", 100).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(ParseRange("bytes=-0", 100).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(ParseRange("bytes=0-", 0).status().code(), StatusCode::kOutOfRange);
}

TEST(RangeTest, Malformed) {
  for (const char* h : {"items=0-1", "bytes=", "bytes=a-b", "bytes=5-1", "bytes=0-1,3-4",
                        "bytes=99999999999999999999-", "bytes=1"}) {
    EXPECT_EQ(ParseRange(h, 100).status().code(), StatusCode::kInvalidArgument) << h;
  }
}

TEST(ContentRangeTest, Forms) {
  auto r = ParseContentRange("0-1023");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->length(), 1024u);
  r = ParseContentRange("bytes 10-19/*");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 10u);
  r = ParseContentRange("bytes 10-19/20");
  ASSERT_TRUE(r.ok());
  for (const char* h : {"", "-", "10-", "-10", "5-4", "bytes 1-2", "bytes 1-2/x", "a-b"}) {
    EXPECT_EQ(ParseContentRange(h).status().code(), StatusCode::kInvalidArgument) << h;
  }
}

}  // namespace
}  // namespace cangku::http
