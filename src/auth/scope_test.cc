#include "auth/scope.h"

#include <gtest/gtest.h>

namespace cangku::auth {
namespace {

using nlohmann::json;

std::vector<Access> Parse(std::vector<std::string> params) {
  StatusOr<std::vector<Access>> access = ParseScopes(params);
  EXPECT_TRUE(access.ok()) << access.status().ToString();
  return access.ok() ? *access : std::vector<Access>{};
}

void ExpectMalformed(const std::string& param, std::string_view reason) {
  StatusOr<std::vector<Access>> access = ParseScopes({param});
  ASSERT_FALSE(access.ok()) << param;
  EXPECT_EQ(access.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(access.status().message().find(reason), std::string::npos) << access.status().message();
}

TEST(ScopeTest, ParsesOneScope) {
  EXPECT_EQ(Parse({"repository:library/alpine:pull"}),
            (std::vector<Access>{{"repository", "library/alpine", {"pull"}}}));
}

TEST(ScopeTest, NameMayHoldColons) {
  EXPECT_EQ(Parse({"repository:localhost:5000/a/b:pull,push"}),
            (std::vector<Access>{{"repository", "localhost:5000/a/b", {"pull", "push"}}}));
}

TEST(ScopeTest, RegistryCatalog) {
  EXPECT_EQ(Parse({"registry:catalog:*"}), (std::vector<Access>{{"registry", "catalog", {"*"}}}));
}

TEST(ScopeTest, NoScopesIsEmpty) {
  EXPECT_TRUE(Parse({}).empty());
  EXPECT_TRUE(Parse({""}).empty());
  EXPECT_TRUE(Parse({"   "}).empty());
}

TEST(ScopeTest, SeveralScopesPerParameterAndAcrossParameters) {
  std::vector<Access> access =
      Parse({"repository:a:pull  repository:b:push", "registry:catalog:*"});
  EXPECT_EQ(access, (std::vector<Access>{{"repository", "a", {"pull"}},
                                         {"repository", "b", {"push"}},
                                         {"registry", "catalog", {"*"}}}));
}

TEST(ScopeTest, MergesDuplicates) {
  std::vector<Access> access =
      Parse({"repository:a:pull", "repository:b:pull",
             "repository:a:push,pull repository:a:delete,push", "registry:a:pull"});
  EXPECT_EQ(access, (std::vector<Access>{{"repository", "a", {"pull", "push", "delete"}},
                                         {"repository", "b", {"pull"}},
                                         {"registry", "a", {"pull"}}}));
  EXPECT_EQ(Parse({"repository:a:pull,pull,push,pull"}),
            (std::vector<Access>{{"repository", "a", {"pull", "push"}}}));
}

TEST(ScopeTest, RefusesMalformedScopes) {
  ExpectMalformed("repository", "type:name:actions");
  ExpectMalformed("repository:a", "type:name:actions");
  ExpectMalformed(":a:pull", "empty type");
  ExpectMalformed("repository::pull", "empty name");
  ExpectMalformed("repository:a:", "empty action");
  ExpectMalformed("repository:a:pull,", "empty action");
  ExpectMalformed("repository:a:,pull", "empty action");
  ExpectMalformed("repository:a:pull,,push", "empty action");
  // One bad scope spoils the request, and the message names it.
  ExpectMalformed("repository:a:pull repository:b", "\"repository:b\"");
}

TEST(ScopeTest, AccessClaimShape) {
  std::vector<Access> access = {{"repository", "a/b", {"pull", "push"}},
                                {"registry", "catalog", {"*"}}};
  json claim = AccessClaim(access);
  EXPECT_EQ(claim, json::parse(R"([
      {"type":"repository","name":"a/b","actions":["pull","push"]},
      {"type":"registry","name":"catalog","actions":["*"]}])"));
  EXPECT_EQ(AccessClaim({}), json::array());
}

TEST(ScopeTest, AccessFromClaimsRoundTrip) {
  std::vector<Access> access = {{"repository", "localhost:5000/a", {"pull"}},
                                {"repository", "b", {}}};
  json claims = {{"sub", "alice"}, {"access", AccessClaim(access)}};
  StatusOr<std::vector<Access>> back = AccessFromClaims(claims);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, access);
}

TEST(ScopeTest, MissingAccessClaimIsEmpty) {
  StatusOr<std::vector<Access>> back = AccessFromClaims({{"sub", "alice"}});
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->empty());
}

TEST(ScopeTest, RefusesMisshapenAccessClaims) {
  for (const char* text : {
           R"({"access":{}})",
           R"({"access":"repository:a:pull"})",
           R"({"access":null})",
           R"({"access":[1]})",
           R"({"access":[{"name":"a","actions":[]}]})",
           R"({"access":[{"type":"repository","actions":[]}]})",
           R"({"access":[{"type":"repository","name":"a"}]})",
           R"({"access":[{"type":"repository","name":"a","actions":"pull"}]})",
           R"({"access":[{"type":"repository","name":"a","actions":["pull",7]}]})",
           R"({"access":[{"type":7,"name":"a","actions":[]}]})",
           R"([])",
       }) {
    StatusOr<std::vector<Access>> access = AccessFromClaims(json::parse(text));
    ASSERT_FALSE(access.ok()) << text;
    EXPECT_EQ(access.status().code(), StatusCode::kUnauthenticated) << text;
  }
}

}  // namespace
}  // namespace cangku::auth
