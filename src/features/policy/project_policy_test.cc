#include "features/policy/project_policy.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "features/policy/policy_service.h"
#include "metadata/sql_metadata_store.h"

namespace cangku::policy {
namespace {

TEST(ProjectPolicyTest, ProjectOf) {
  EXPECT_EQ(ProjectOf("library/debian"), "library");
  EXPECT_EQ(ProjectOf("a/b/c"), "a");
  EXPECT_EQ(ProjectOf("alpine"), "alpine");
}

TEST(ProjectPolicyTest, GlobMatch) {
  EXPECT_TRUE(GlobMatch("v*", "v1"));
  EXPECT_TRUE(GlobMatch("v*", "v"));
  EXPECT_FALSE(GlobMatch("v*", "latest"));
  EXPECT_TRUE(GlobMatch("release-*", "release-2024.1"));
  EXPECT_TRUE(GlobMatch("v?", "v1"));
  EXPECT_FALSE(GlobMatch("v?", "v10"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*-rc*", "1.0-rc2"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXbYbZ"));
  EXPECT_TRUE(GlobMatch("exact", "exact"));
  EXPECT_FALSE(GlobMatch("exact", "exactly"));
  EXPECT_TRUE(MatchesAny({"x", "v*"}, "v2"));
  EXPECT_FALSE(MatchesAny({}, "v2"));
}

TEST(ProjectPolicyTest, JsonRoundTripAndErrors) {
  ProjectPolicy policy{.immutable_tags = {"v*", "release-*"}, .quota_bytes = 1000};
  auto parsed = ParsePolicy(PolicyJson(policy));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, policy);
  EXPECT_TRUE(ParsePolicy("{}").ok());
  EXPECT_EQ(ParsePolicy("[").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePolicy(R"({"immutable_tags":"v*"})").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePolicy(R"({"immutable_tags":[1]})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePolicy(R"({"quota_bytes":-1})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePolicy(R"({"quota_bytes":"1"})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParsePolicy("{}")->quota_bytes.has_value());
}

TEST(ProjectPolicyTest, RetentionJsonRoundTripAndErrors) {
  ProjectPolicy policy{.retention = RetentionRules{.keep_last = 3,
                                                   .keep_pulled_days = 7,
                                                   .keep_tags = {"v*"},
                                                   .keep_tags_not = {"dev-*"},
                                                   .remove_untagged = true}};
  auto parsed = ParsePolicy(PolicyJson(policy));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, policy);
  EXPECT_FALSE(ParsePolicy("{}")->retention.has_value());
  auto only_untagged = ParsePolicy(R"({"retention":{"remove_untagged":true}})");
  ASSERT_TRUE(only_untagged.ok());
  EXPECT_FALSE(only_untagged->retention->HasKeepRules());
  for (const char* bad :
       {R"({"retention":[]})", R"({"retention":{"keep_last":-1}})",
        R"({"retention":{"keep_pulled_days":"7"}})", R"({"retention":{"keep_tags":"v*"}})",
        R"({"retention":{"remove_untagged":1}})"}) {
    EXPECT_EQ(ParsePolicy(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

class FakeClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override { return now; }
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

class PolicyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cangku-policy-XXXXXX";
    dir_ = mkdtemp(tmpl);
    store_ = Open();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<metadata::SqlMetadataStore> Open() {
    auto store = metadata::SqlMetadataStore::Create("sqlite://" + dir_ + "/metadata.db", 2);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::string dir_;
  FakeClock clock_;
  std::unique_ptr<metadata::SqlMetadataStore> store_;
};

TEST_F(PolicyServiceTest, NoPolicyMeansNothingImmutable) {
  auto service = PolicyService::Create(*store_, clock_);
  auto tags = service->ImmutableTagsOf("library/debian");
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->project, "library");
  EXPECT_FALSE(tags->matches);
}

TEST_F(PolicyServiceTest, PolicySetElsewhereShowsAfterTheCacheExpires) {
  auto service = PolicyService::Create(*store_, clock_, std::chrono::seconds(2));
  ASSERT_TRUE(service->Get("library").ok());  // cached: no policy
  // Another process (the CLI) sets the policy through its own store.
  auto cli_store = Open();
  auto cli = PolicyService::Create(*cli_store, clock_);
  ASSERT_TRUE(cli->Set("library", {.immutable_tags = {"v*"}}).ok());
  EXPECT_TRUE(service->Get("library")->immutable_tags.empty());
  clock_.now += std::chrono::seconds(3);
  auto tags = service->ImmutableTagsOf("library/debian");
  ASSERT_TRUE(tags.ok() && tags->matches);
  EXPECT_TRUE(tags->matches("v1"));
  EXPECT_FALSE(tags->matches("latest"));
  EXPECT_FALSE(service->ImmutableTagsOf("other/debian")->matches);
}

TEST_F(PolicyServiceTest, CorruptStoredPolicyIsDataLoss) {
  ASSERT_TRUE(store_->PutProjectPolicy("library", "not json", 0).ok());
  auto service = PolicyService::Create(*store_, clock_);
  EXPECT_EQ(service->Get("library").status().code(), StatusCode::kDataLoss);
}

TEST_F(PolicyServiceTest, QuotaRefusesOnceUsageExceedsTheLimit) {
  auto service = PolicyService::Create(*store_, clock_);
  ASSERT_TRUE(store_->LinkBlob("lib/a", oci::Digest::Sha256Of("x"), 60, 0).ok());
  ASSERT_TRUE(store_->LinkBlob("lib/b", oci::Digest::Sha256Of("x"), 60, 0).ok());
  EXPECT_TRUE(service->CheckQuota("lib/a").ok());  // no quota
  ASSERT_TRUE(service->Set("lib", {.immutable_tags = {}, .quota_bytes = 100}).ok());
  EXPECT_TRUE(service->CheckQuota("lib/a").ok());  // 60: the shared blob counts once
  ASSERT_TRUE(store_->LinkBlob("lib/b", oci::Digest::Sha256Of("y"), 41, 0).ok());
  Status over = service->CheckQuota("lib/c");
  EXPECT_EQ(over.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(over.message(), "project lib is over its quota: usage 101 bytes, limit 100 bytes");
  EXPECT_TRUE(service->CheckQuota("other/a").ok());
  ASSERT_TRUE(store_->UnlinkBlob("lib/b", oci::Digest::Sha256Of("y")).ok());
  EXPECT_TRUE(service->CheckQuota("lib/a").ok());
}

}  // namespace
}  // namespace cangku::policy
