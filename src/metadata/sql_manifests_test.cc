// Manifest, tag and referrer tests of SqlMetadataStore, on every backend.

#include <gtest/gtest.h>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_test_fixture.h"

namespace cangku::metadata {
namespace {

using testing::SqlStoreTest;

class SqlManifestsTest : public SqlStoreTest {
 protected:
  void Put(const ManifestWrite& write) {
    Status status = store_->PutManifest(write);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  std::vector<std::string> Tags(const std::string& repo) {
    auto tags = store_->ListTags(repo, {.last = "", .limit = 1000});
    EXPECT_TRUE(tags.ok()) << tags.status().ToString();
    return tags.ok() ? *tags : std::vector<std::string>{};
  }
};

TEST_P(SqlManifestsTest, PutAndGetRoundTripsEveryField) {
  Link("lib/app", D("config"));
  Link("lib/app", D("layer"));
  ManifestWrite write = Manifest("lib/app", "m", {D("config"), D("layer"), D("layer")}, "v1");
  write.manifest.content =
      "{\n  \"schemaVersion\": 2,\t\"name\": \"caf\xc3\xa9 \xe4\xbb\x93\xe5\xba\x93\"\n}";
  write.manifest.digest = oci::Digest::Sha256Of(write.manifest.content);
  write.manifest.artifact_type = "application/vnd.example+type";
  write.manifest.subject = D("subject");
  write.manifest.annotations_json = R"({"a":"b"})";
  write.manifest.created_at = 1700000000;
  Put(write);
  for (auto got : {store_->GetManifest("lib/app", write.manifest.digest),
                   store_->GetTaggedManifest("lib/app", "v1")}) {
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->repository, "lib/app");
    EXPECT_EQ(got->digest, write.manifest.digest);
    EXPECT_EQ(got->media_type, write.manifest.media_type);
    EXPECT_EQ(got->artifact_type, write.manifest.artifact_type);
    EXPECT_EQ(got->subject, write.manifest.subject);
    EXPECT_EQ(got->annotations_json, write.manifest.annotations_json);
    EXPECT_EQ(got->content, write.manifest.content);
    EXPECT_EQ(got->size, static_cast<int64_t>(write.manifest.content.size()));
    EXPECT_EQ(got->created_at, 1700000000);
  }
  auto plain = Manifest("lib/app", "plain", {});
  Put(plain);
  auto got = store_->GetManifest("lib/app", plain.manifest.digest);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->subject.has_value());
  EXPECT_EQ(got->artifact_type, "");
  EXPECT_EQ(got->annotations_json, "{}");
}

TEST_P(SqlManifestsTest, GetErrors) {
  EXPECT_EQ(store_->GetManifest("nope", D("m")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetTaggedManifest("nope", "v1").status().code(), StatusCode::kNotFound);
  Put(Manifest("a", "m", {}, "v1"));
  EXPECT_EQ(store_->GetManifest("a", D("m")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetTaggedManifest("a", "v2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetTaggedManifest("b", "v1").status().code(), StatusCode::kNotFound);
}

TEST_P(SqlManifestsTest, UnknownBlobWritesNothing) {
  Link("a", D("layer"));
  auto first = Manifest("a", "first", {D("layer")}, "v1");
  Put(first);
  auto second = Manifest("a", "second", {D("layer"), D("missing")}, "v1");
  Status status = store_->PutManifest(second);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find(D("missing").str()), std::string::npos) << status.message();
  EXPECT_EQ(store_->GetManifest("a", second.manifest.digest).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->GetTaggedManifest("a", "v1")->digest, first.manifest.digest);
  // A blob linked elsewhere does not count, and the new repository is not created.
  Link("other", D("x"));
  EXPECT_EQ(store_->PutManifest(Manifest("new", "n", {D("x")}, "v1")).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->ListTags("new", {}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*store_->ListRepositories({}), (std::vector<std::string>{"a", "other"}));
}

TEST_P(SqlManifestsTest, IndexNeedsItsChildren) {
  auto child = Manifest("a", "child", {});
  auto index = Manifest("a", "index", {}, "multi");
  index.children = {child.manifest.digest};
  Status status = store_->PutManifest(index);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find("manifest " + child.manifest.digest.str()), std::string::npos);
  EXPECT_EQ(store_->GetTaggedManifest("a", "multi").status().code(), StatusCode::kNotFound);
  Put(child);
  Put(index);
  EXPECT_EQ(store_->GetTaggedManifest("a", "multi")->digest, index.manifest.digest);
}

TEST_P(SqlManifestsTest, SamePushTwiceIsIdempotent) {
  auto write = Manifest("a", "m", {}, "v1");
  Put(write);
  write.manifest.created_at = 2000;
  Put(write);
  EXPECT_EQ(store_->GetManifest("a", write.manifest.digest)->created_at, 1000);
  EXPECT_EQ(Tags("a"), (std::vector<std::string>{"v1"}));
}

TEST_P(SqlManifestsTest, TagMovesAndOldManifestStays) {
  auto m1 = Manifest("a", "1", {}, "latest");
  auto m2 = Manifest("a", "2", {}, "latest");
  Put(m1);
  Put(m2);
  EXPECT_EQ(store_->GetTaggedManifest("a", "latest")->digest, m2.manifest.digest);
  EXPECT_TRUE(store_->GetManifest("a", m1.manifest.digest).ok());
  Put(m1);  // moves back
  EXPECT_EQ(store_->GetTaggedManifest("a", "latest")->digest, m1.manifest.digest);
}

TEST_P(SqlManifestsTest, DeleteManifestRemovesItsTags) {
  auto m1 = Manifest("a", "1", {}, "v1");
  auto m2 = Manifest("a", "2", {}, "v2");
  Put(m1);
  Put(m2);
  m1.tag = "also-v1";
  Put(m1);
  EXPECT_EQ(Tags("a"), (std::vector<std::string>{"also-v1", "v1", "v2"}));
  EXPECT_TRUE(store_->DeleteManifest("a", m1.manifest.digest).ok());
  EXPECT_EQ(Tags("a"), (std::vector<std::string>{"v2"}));
  EXPECT_EQ(store_->GetManifest("a", m1.manifest.digest).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteManifest("a", m1.manifest.digest).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteManifest("nope", m1.manifest.digest).code(), StatusCode::kNotFound);
  Put(m1);  // can be pushed again
  EXPECT_TRUE(store_->GetTaggedManifest("a", "also-v1").ok());
}

TEST_P(SqlManifestsTest, DeleteTagKeepsManifest) {
  auto m = Manifest("a", "1", {}, "v1");
  Put(m);
  EXPECT_TRUE(store_->DeleteTag("a", "v1").ok());
  EXPECT_EQ(store_->DeleteTag("a", "v1").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteTag("nope", "v1").code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetManifest("a", m.manifest.digest).ok());
  EXPECT_TRUE(Tags("a").empty());
}

TEST_P(SqlManifestsTest, ListTagsPagesInByteOrder) {
  EXPECT_EQ(store_->ListTags("nope", {}).status().code(), StatusCode::kNotFound);
  Link("a", D("l"));
  EXPECT_TRUE(Tags("a").empty());
  std::vector<std::string> tags = {"latest", "Latest", "v1.0", "v1-0", "v1_0", "1.0", "V1"};
  for (const auto& tag : tags) Put(Manifest("a", "m", {}, tag));
  std::sort(tags.begin(), tags.end());
  EXPECT_EQ(Tags("a"), tags);
  EXPECT_EQ(*store_->ListTags("a", {.last = "", .limit = 2}),
            (std::vector<std::string>(tags.begin(), tags.begin() + 2)));
  EXPECT_EQ(*store_->ListTags("a", {.last = tags[1], .limit = 2}),
            (std::vector<std::string>(tags.begin() + 2, tags.begin() + 4)));
  EXPECT_EQ(*store_->ListTags("a", {.last = tags[5], .limit = 5}),
            (std::vector<std::string>{tags[6]}));
  EXPECT_TRUE(store_->ListTags("a", {.last = tags[6], .limit = 5})->empty());
  EXPECT_EQ(*store_->ListTags("a", {.last = "a", .limit = 1}),
            (std::vector<std::string>{"latest"}));
}

TEST_P(SqlManifestsTest, ReferrersFilterByArtifactType) {
  auto subject = Manifest("a", "subject", {}, "v1");
  Put(subject);
  std::vector<oci::Digest> sbom_digests;
  for (std::string seed : {"sig", "sbom1", "sbom2", "unrelated"}) {
    auto write = Manifest("a", seed, {});
    write.manifest.subject = seed == "unrelated" ? D("other") : subject.manifest.digest;
    write.manifest.artifact_type =
        seed == "sig" ? "application/vnd.dev.cosign" : "application/spdx+json";
    write.manifest.annotations_json = R"({"k":")" + seed + "\"}";
    if (seed.starts_with("sbom")) sbom_digests.push_back(write.manifest.digest);
    Put(write);
  }
  Put(Manifest("b", "sbom1", {}));  // another repository
  auto all = store_->ListReferrers("a", subject.manifest.digest, "");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end(),
                             [](const auto& x, const auto& y) { return x.digest < y.digest; }));
  for (const auto& r : *all) {
    EXPECT_EQ(r.subject, subject.manifest.digest);
    EXPECT_TRUE(r.content.empty());
    EXPECT_GT(r.size, 0);
    EXPECT_EQ(r.media_type, "application/vnd.oci.image.manifest.v1+json");
    EXPECT_NE(r.annotations_json.find("\"k\""), std::string::npos);
  }
  auto sboms = store_->ListReferrers("a", subject.manifest.digest, "application/spdx+json");
  ASSERT_TRUE(sboms.ok());
  std::sort(sbom_digests.begin(), sbom_digests.end());
  ASSERT_EQ(sboms->size(), 2u);
  EXPECT_EQ((*sboms)[0].digest, sbom_digests[0]);
  EXPECT_EQ((*sboms)[1].digest, sbom_digests[1]);
  EXPECT_EQ((*sboms)[0].size, static_cast<int64_t>(std::string_view(R"({"seed":"sbom1"})").size()));
  EXPECT_TRUE(store_->ListReferrers("a", subject.manifest.digest, "text/none")->empty());
  EXPECT_TRUE(store_->ListReferrers("nope", subject.manifest.digest, "")->empty());
  EXPECT_TRUE(store_->ListReferrers("a", D("nothing"), "")->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlManifestsTest, CANGKU_SQL_BACKENDS());

}  // namespace
}  // namespace cangku::metadata
