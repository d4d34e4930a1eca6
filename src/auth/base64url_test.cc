#include <gtest/gtest.h>

#include "auth/jwt.h"

namespace cangku::auth {
namespace {

TEST(Base64UrlTest, Rfc4648Vectors) {
  // RFC 4648 section 10, without the padding.
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64UrlEncode(plain), encoded);
    StatusOr<std::string> decoded = Base64UrlDecode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64UrlTest, UsesTheUrlAlphabet) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(Base64UrlEncode(std::string("\0\0", 2)), "AAA");
  EXPECT_EQ(*Base64UrlDecode("-_-_"), "\xfb\xff\xbf");
}

TEST(Base64UrlTest, RoundTripsAllByteValues) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= bytes.size(); n += 37) {
    std::string prefix = bytes.substr(0, n);
    StatusOr<std::string> back = Base64UrlDecode(Base64UrlEncode(prefix));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, prefix);
  }
}

TEST(Base64UrlTest, DecodeIsStrict) {
  for (const char* bad : {"Zg==", "Zg=", "Zm+v", "Zm/v", "Zm9 v", "Zm9v\n", "Z", "Zm9vY",
                          "Zh",   // Non-zero padding bits: "Zg" is the only spelling of "f".
                          "Zm9",  // likewise for "fo" ("Zm8").
                          "Zm\xc3\xa9"}) {
    StatusOr<std::string> decoded = Base64UrlDecode(bad);
    EXPECT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(Base64UrlDecode(std::string("Zg\0", 3)).ok());
}

}  // namespace
}  // namespace cangku::auth
