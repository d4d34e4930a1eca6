// Project policy storage and the immutable-tag conditions of SqlMetadataStore, on every backend.

#include <gtest/gtest.h>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_test_fixture.h"

namespace cangku::metadata {
namespace {

using testing::SqlStoreTest;

class SqlPoliciesTest : public SqlStoreTest {};

TEST_P(SqlPoliciesTest, PolicyRoundTripsAndReplaces) {
  auto none = store_->GetProjectPolicy("library");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->PutProjectPolicy("library", R"({"immutable_tags":["v*"]})", 1).ok());
  ASSERT_TRUE(store_->PutProjectPolicy("library", R"({"immutable_tags":[]})", 2).ok());
  auto got = store_->GetProjectPolicy("library");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, R"({"immutable_tags":[]})");
  auto other = store_->GetProjectPolicy("other");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

TEST_P(SqlPoliciesTest, ImmutableTagRefusesToMoveButAllowsSameManifest) {
  ManifestWrite first = Manifest("lib/app", "one", {}, "v1");
  first.tag_immutable = true;
  ASSERT_TRUE(store_->PutManifest(first).ok());  // a new tag is fine
  ASSERT_TRUE(store_->PutManifest(first).ok());  // the same manifest again too
  ManifestWrite second = Manifest("lib/app", "two", {}, "v1");
  second.tag_immutable = true;
  EXPECT_EQ(store_->PutManifest(second).code(), StatusCode::kPermissionDenied);
  // Nothing was written: the tag still points at the first, the second manifest is absent.
  auto tagged = store_->GetTaggedManifest("lib/app", "v1");
  ASSERT_TRUE(tagged.ok());
  EXPECT_EQ(tagged->digest, first.manifest.digest);
  EXPECT_EQ(store_->GetManifest("lib/app", second.manifest.digest).status().code(),
            StatusCode::kNotFound);
  second.tag_immutable = false;
  EXPECT_TRUE(store_->PutManifest(second).ok());  // without the condition the tag moves
}

TEST_P(SqlPoliciesTest, DeleteManifestRefusesWhileAProtectedTagPointsAtIt) {
  ASSERT_TRUE(store_->PutManifest(Manifest("lib/app", "one", {}, "v1")).ok());
  ManifestWrite latest = Manifest("lib/app", "one", {}, "latest");
  ASSERT_TRUE(store_->PutManifest(latest).ok());
  TagPredicate is_v = [](std::string_view tag) { return tag.starts_with("v"); };
  Status s = store_->DeleteManifest("lib/app", latest.manifest.digest, is_v);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "tag v1 is immutable");
  EXPECT_TRUE(store_->GetTaggedManifest("lib/app", "latest").ok());
  EXPECT_TRUE(store_->GetTaggedManifest("lib/app", "v1").ok());
  ASSERT_TRUE(store_->DeleteTag("lib/app", "v1").ok());
  EXPECT_TRUE(store_->DeleteManifest("lib/app", latest.manifest.digest, is_v).ok());
}

TEST_P(SqlPoliciesTest, ProjectUsageCountsEachDigestOnceAcrossTheProject) {
  EXPECT_EQ(*store_->ProjectUsage("lib"), 0);
  Link("lib/a", D("shared"), 100);
  Link("lib/b", D("shared"), 100);
  Link("lib/b", D("own"), 7);
  Link("lib", D("top"), 3);          // the project's own single-component repository
  Link("lib0/x", D("other"), 1000);  // another project whose name shares the prefix
  Link("lib-2/x", D("other2"), 1000);
  Link("li/x", D("other3"), 1000);
  EXPECT_EQ(*store_->ProjectUsage("lib"), 110);
  ASSERT_TRUE(store_->UnlinkBlob("lib/a", D("shared")).ok());
  EXPECT_EQ(*store_->ProjectUsage("lib"), 110);  // lib/b still links it
  ASSERT_TRUE(store_->UnlinkBlob("lib/b", D("shared")).ok());
  EXPECT_EQ(*store_->ProjectUsage("lib"), 10);
  EXPECT_EQ(*store_->ProjectUsage("lib0"), 1000);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlPoliciesTest, CANGKU_SQL_BACKENDS());

}  // namespace
}  // namespace cangku::metadata
