#include "registry/registry.h"

#include <gtest/gtest.h>

#include "oci/media_types.h"
#include "registry/testing/registry_fixture.h"

namespace cangku::registry {
namespace {

class RegistryTest : public RegistryFixture {
 protected:
  std::string ImageManifest(const oci::Digest& config, const oci::Digest& layer,
                            const std::string& extra = "") {
    return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
           R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
           config.str() +
           R"(","size":2},"layers":[{"mediaType":)"
           R"("application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
           layer.str() + R"(","size":5}])" + extra + "}";
  }
};

TEST_F(RegistryTest, PushAndPullImage) {
  auto config = PushBlob("lib/app", "{}");
  auto layer = PushBlob("lib/app", "hello");
  std::string manifest = ImageManifest(config, layer);
  auto put = registry_->PutManifest("lib/app", Ref("v1"), oci::kOciImageManifest, manifest);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->digest, oci::Digest::Sha256Of(manifest));
  auto got = registry_->GetManifest("lib/app", Ref("v1"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->content(), manifest);
  EXPECT_EQ(got->media_type(), oci::kOciImageManifest);
  EXPECT_EQ(got->digest(), put->digest.str());
  auto by_tag = registry_->CachedManifest("lib/app", Ref("v1"));
  ASSERT_TRUE(by_tag);
  // One record in the cache serves the tag and the digest.
  EXPECT_EQ(registry_->CachedManifest("lib/app", Ref(put->digest.str())), by_tag);
  auto blob = registry_->OpenBlob("lib/app", layer);
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(blob->size, 5u);
  auto tags = registry_->ListTags("lib/app", "", 10);
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->items, std::vector<std::string>{"v1"});
}

TEST_F(RegistryTest, ManifestWithUnknownBlobChangesNothing) {
  auto config = PushBlob("lib/app", "{}");
  auto missing = oci::Digest::Sha256Of("absent");
  auto put = registry_->PutManifest("lib/app", Ref("v1"), oci::kOciImageManifest,
                                    ImageManifest(config, missing));
  EXPECT_EQ(put.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry_->GetManifest("lib/app", Ref("v1")).status().code(), StatusCode::kNotFound);
  // Blobs of another repository do not count either.
  auto layer = PushBlob("other", "hello");
  put = registry_->PutManifest("lib/app", Ref("v1"), oci::kOciImageManifest,
                               ImageManifest(config, layer));
  EXPECT_EQ(put.status().code(), StatusCode::kNotFound);
}

TEST_F(RegistryTest, DigestReferenceMustMatchBody) {
  auto config = PushBlob("a", "{}");
  auto layer = PushBlob("a", "hello");
  std::string manifest = ImageManifest(config, layer);
  auto put = registry_->PutManifest("a", Ref(oci::Digest::Sha256Of("x").str()),
                                    oci::kOciImageManifest, manifest);
  EXPECT_EQ(put.status().code(), StatusCode::kFailedPrecondition);
  put = registry_->PutManifest("a", Ref(oci::Digest::Sha256Of(manifest).str()),
                               oci::kOciImageManifest, manifest);
  EXPECT_TRUE(put.ok());
}

TEST_F(RegistryTest, TagMoveInvalidatesCache) {
  auto config = PushBlob("a", "{}");
  auto layer = PushBlob("a", "hello");
  std::string m1 = ImageManifest(config, layer);
  std::string m2 = ImageManifest(config, layer, R"(,"annotations":{"v":"2"})");
  ASSERT_TRUE(registry_->PutManifest("a", Ref("latest"), oci::kOciImageManifest, m1).ok());
  ASSERT_TRUE(registry_->GetManifest("a", Ref("latest")).ok());
  ASSERT_TRUE(registry_->PutManifest("a", Ref("latest"), oci::kOciImageManifest, m2).ok());
  EXPECT_FALSE(registry_->CachedManifest("a", Ref("latest")));
  EXPECT_EQ(registry_->GetManifest("a", Ref("latest"))->content(), m2);
}

TEST_F(RegistryTest, DeleteByTagKeepsManifest) {
  auto config = PushBlob("a", "{}");
  auto layer = PushBlob("a", "hello");
  std::string m = ImageManifest(config, layer);
  auto put = registry_->PutManifest("a", Ref("t"), oci::kOciImageManifest, m);
  ASSERT_TRUE(put.ok());
  ASSERT_TRUE(registry_->DeleteManifest("a", Ref("t")).ok());
  EXPECT_EQ(registry_->GetManifest("a", Ref("t")).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(registry_->GetManifest("a", Ref(put->digest.str())).ok());
  ASSERT_TRUE(registry_->DeleteManifest("a", Ref(put->digest.str())).ok());
  EXPECT_EQ(registry_->GetManifest("a", Ref(put->digest.str())).status().code(),
            StatusCode::kNotFound);
}

TEST_F(RegistryTest, UploadSessionsResumeAfterRestart) {
  auto id = registry_->uploads().Start("a");
  ASSERT_TRUE(id.ok());
  {
    auto lease = registry_->uploads().Acquire("a", *id);
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE((*lease)->upload->Append(std::string("hel")).ok());
    // A second request on the same session waits its turn.
    EXPECT_EQ(registry_->uploads().Acquire("a", *id).status().code(), StatusCode::kAborted);
  }
  EXPECT_EQ(registry_->uploads().Acquire("b", *id).status().code(), StatusCode::kNotFound);
  // A new Registry over the same stores: the session is still there.
  NewRegistry();
  auto lease = registry_->uploads().Acquire("a", *id);
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)->upload->size(), 3u);
  ASSERT_TRUE((*lease)->upload->Append(std::string("lo")).ok());
  ASSERT_TRUE(registry_->FinishUpload(std::move(*lease), oci::Digest::Sha256Of("hello")).ok());
  EXPECT_EQ(*registry_->StatBlob("a", oci::Digest::Sha256Of("hello")), 5u);
  EXPECT_EQ(registry_->uploads().Acquire("a", *id).status().code(), StatusCode::kNotFound);
}

TEST_F(RegistryTest, DigestMismatchStoresNothing) {
  auto lease = registry_->uploads().StartEphemeral("a");
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE((*lease)->upload->Append(std::string("hello")).ok());
  auto wrong = oci::Digest::Sha256Of("other");
  EXPECT_EQ(registry_->FinishUpload(std::move(*lease), wrong).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->StatBlob("a", wrong).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry_->StatBlob("a", oci::Digest::Sha256Of("hello")).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(blobs_->ListUploads()->empty());
}

TEST_F(RegistryTest, MountFromAnotherRepository) {
  auto d = PushBlob("src", "shared");
  EXPECT_TRUE(*registry_->Mount("dst", d, "src"));
  EXPECT_TRUE(registry_->StatBlob("dst", d).ok());
  EXPECT_FALSE(*registry_->Mount("dst2", d, "nowhere"));
  EXPECT_TRUE(*registry_->Mount("dst3", d, ""));
  EXPECT_FALSE(*registry_->Mount("dst4", oci::Digest::Sha256Of("unknown"), ""));
}

TEST_F(RegistryTest, ExpiryRemovesOldSessionsAndOrphans) {
  auto id = registry_->uploads().Start("a");
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(blobs_->CreateUpload("0000-0000").ok());
  clock_.now += std::chrono::hours(48);
  auto removed = registry_->ExpireUploads(true);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2u);
  EXPECT_TRUE(blobs_->ListUploads()->empty());
  EXPECT_EQ(registry_->uploads().Acquire("a", *id).status().code(), StatusCode::kNotFound);
}

TEST_F(RegistryTest, ReferrersIndex) {
  auto config = PushBlob("a", "{}");
  auto layer = PushBlob("a", "hello");
  auto subject = oci::Digest::Sha256Of("subject-not-pushed-yet");
  std::string sig = ImageManifest(config, layer,
                                  R"(,"artifactType":"application/x.sig","subject":{"mediaType":)"
                                  R"("application/vnd.oci.image.manifest.v1+json","digest":")" +
                                      subject.str() + R"(","size":10},"annotations":{"k":"v"})");
  auto put = registry_->PutManifest("a", Ref(oci::Digest::Sha256Of(sig).str()),
                                    oci::kOciImageManifest, sig);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  ASSERT_TRUE(put->subject.has_value());
  auto index = registry_->Referrers("a", subject, "");
  ASSERT_TRUE(index.ok());
  EXPECT_NE(index->find("application/x.sig"), std::string::npos) << *index;
  EXPECT_NE(index->find("\"k\":\"v\""), std::string::npos) << *index;
  EXPECT_EQ(registry_->Referrers("a", subject, "application/other")->find("x.sig"),
            std::string::npos);
}

// Tags starting with "v" are immutable in every project.
class VTagsImmutable final : public PushPolicy {
 public:
  StatusOr<ImmutableTags> ImmutableTagsOf(const std::string& repository) override {
    return ImmutableTags{repository.substr(0, repository.find('/')),
                         [](std::string_view tag) { return tag.starts_with("v"); }};
  }
  Status CheckQuota(const std::string& repository) override {
    if (repository.starts_with("full/")) return ResourceExhaustedError("project full is full");
    return OkStatus();
  }
};

TEST_F(RegistryTest, ImmutableTagsRefuseOverwriteAndDelete) {
  VTagsImmutable policy;
  RegistryOptions options;
  options.push_policy = &policy;
  registry_ = std::make_unique<Registry>(*blobs_, *metadata_, clock_, random_, options);
  auto config = PushBlob("lib/app", "{}");
  auto layer = PushBlob("lib/app", "hello");
  std::string one = ImageManifest(config, layer);
  std::string two = ImageManifest(config, layer, R"(,"annotations":{"n":"2"})");
  auto put = registry_->PutManifest("lib/app", Ref("v1"), oci::kOciImageManifest, one);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_TRUE(registry_->PutManifest("lib/app", Ref("v1"), oci::kOciImageManifest, one).ok());
  auto moved = registry_->PutManifest("lib/app", Ref("v1"), oci::kOciImageManifest, two);
  EXPECT_EQ(moved.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(moved.status().message(), "tag v1 is immutable in project lib");
  Status by_tag = registry_->DeleteManifest("lib/app", Ref("v1"));
  EXPECT_EQ(by_tag.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(by_tag.message(), "tag v1 is immutable in project lib");
  EXPECT_EQ(registry_->DeleteManifest("lib/app", Ref(put->digest.str())).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(registry_->DeleteManifest("lib/app", Ref("v9")).code(), StatusCode::kNotFound);
  auto got = registry_->GetManifest("lib/app", Ref("v1"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->content(), one);
  // Tags the policy does not match stay mutable.
  ASSERT_TRUE(registry_->PutManifest("lib/app", Ref("latest"), oci::kOciImageManifest, one).ok());
  ASSERT_TRUE(registry_->PutManifest("lib/app", Ref("latest"), oci::kOciImageManifest, two).ok());
  EXPECT_TRUE(registry_->DeleteManifest("lib/app", Ref("latest")).ok());
  // The quota check refuses a push and nothing is stored.
  auto full_config = PushBlob("full/app", "{}");
  auto full_layer = PushBlob("full/app", "hello");
  auto refused = registry_->PutManifest("full/app", Ref("t"), oci::kOciImageManifest,
                                        ImageManifest(full_config, full_layer));
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(registry_->GetManifest("full/app", Ref("t")).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace cangku::registry
