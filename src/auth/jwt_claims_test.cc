#include <gtest/gtest.h>

#include "auth/jwt.h"

namespace cangku::auth {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;

json Claims() {
  return {
      {"iss", "cangku"}, {"aud", "registry"}, {"exp", kNow + 300}, {"nbf", kNow}, {"iat", kNow}};
}

Status Validate(const json& claims) { return ValidateClaims(claims, kNow, "cangku", "registry"); }

void ExpectRefused(const json& claims, std::string_view claim) {
  Status status = Validate(claims);
  ASSERT_FALSE(status.ok()) << claims.dump();
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(status.message().find(claim), std::string::npos) << status.message();
}

TEST(ValidateClaimsTest, AcceptsValidClaims) {
  EXPECT_TRUE(Validate(Claims()).ok());
  json minimal = {{"iss", "cangku"}, {"aud", "registry"}, {"exp", kNow + 1}};
  EXPECT_TRUE(Validate(minimal).ok());
}

TEST(ValidateClaimsTest, Expiry) {
  json claims = Claims();
  claims["exp"] = kNow - 31;
  ExpectRefused(claims, "\"exp\"");
  claims["exp"] = kNow - 30;  // Exactly at the edge of the leeway: expired.
  ExpectRefused(claims, "\"exp\"");
  claims["exp"] = kNow - 29;
  EXPECT_TRUE(Validate(claims).ok());
  claims["exp"] = kNow - 5;
  EXPECT_FALSE(ValidateClaims(claims, kNow, "cangku", "registry", 0).ok());
  claims["exp"] = kNow - 28.5;  // Fractions of a second are allowed by RFC 7519.
  EXPECT_TRUE(Validate(claims).ok());
}

TEST(ValidateClaimsTest, MissingOrMalformedExpiry) {
  json claims = Claims();
  claims.erase("exp");
  ExpectRefused(claims, "\"exp\" is missing");
  claims["exp"] = std::to_string(kNow + 300);
  ExpectRefused(claims, "\"exp\"");
  claims["exp"] = nullptr;
  ExpectRefused(claims, "\"exp\"");
  claims["exp"] = 18446744073709551615ull;  // Far future, and does not wrap around.
  EXPECT_TRUE(Validate(claims).ok());
  claims["exp"] = -9223372036854775807ll;
  ExpectRefused(claims, "\"exp\"");
  claims["exp"] = 1e300;
  EXPECT_TRUE(Validate(claims).ok());
}

TEST(ValidateClaimsTest, NotYetValid) {
  json claims = Claims();
  claims["nbf"] = kNow + 31;
  ExpectRefused(claims, "\"nbf\"");
  claims["nbf"] = kNow + 30;
  EXPECT_TRUE(Validate(claims).ok());
  claims["nbf"] = "soon";
  ExpectRefused(claims, "\"nbf\"");
  claims = Claims();
  claims["iat"] = kNow + 3600;
  ExpectRefused(claims, "\"iat\"");
  claims["iat"] = true;
  ExpectRefused(claims, "\"iat\"");
}

TEST(ValidateClaimsTest, Issuer) {
  json claims = Claims();
  claims["iss"] = "someone-else";
  ExpectRefused(claims, "\"iss\"");
  claims["iss"] = "Cangku";
  ExpectRefused(claims, "\"iss\"");
  claims["iss"] = json::array({"cangku"});
  ExpectRefused(claims, "\"iss\"");
  claims.erase("iss");
  ExpectRefused(claims, "\"iss\"");
}

TEST(ValidateClaimsTest, Audience) {
  json claims = Claims();
  claims["aud"] = "other";
  ExpectRefused(claims, "\"aud\"");
  claims["aud"] = json::array({"other", "registry"});
  EXPECT_TRUE(Validate(claims).ok());
  claims["aud"] = json::array({"other", "registry2"});
  ExpectRefused(claims, "\"aud\"");
  claims["aud"] = json::array();
  ExpectRefused(claims, "\"aud\"");
  claims["aud"] = json::array({json::array({"registry"})});
  ExpectRefused(claims, "\"aud\"");
  claims["aud"] = {{"registry", true}};
  ExpectRefused(claims, "\"aud\"");
  claims.erase("aud");
  ExpectRefused(claims, "\"aud\"");
}

TEST(ValidateClaimsTest, NotAnObject) {
  EXPECT_EQ(Validate(json::array()).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Validate(json("x")).code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace cangku::auth
