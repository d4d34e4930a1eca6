#include "registry/manifest_cache.h"

#include <gtest/gtest.h>

#include "oci/digest.h"

namespace cangku::registry {
namespace {

oci::Reference Ref(const std::string& text) { return *oci::Reference::Parse(text); }

oci::Reference Tag(size_t i) {
  std::string tag = "t";
  tag += std::to_string(i);
  return Ref(tag);
}

CachedManifest Manifest(const std::string& content) {
  return CachedManifest("lib/a", oci::Digest::Sha256Of(content).str(), "application/json", content);
}

TEST(CachedManifestTest, KeepsItsParts) {
  CachedManifest m("lib/a", "sha256:ab", "application/vnd.oci.image.manifest.v1+json", "{\"x\":1}");
  EXPECT_TRUE(m);
  EXPECT_EQ(m.repository(), "lib/a");
  EXPECT_EQ(m.digest(), "sha256:ab");
  EXPECT_EQ(m.media_type(), "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(m.content(), "{\"x\":1}");
  CachedManifest empty_parts("", "", "", "");
  EXPECT_EQ(empty_parts.digest(), "");
  EXPECT_EQ(empty_parts.content(), "");
  EXPECT_FALSE(CachedManifest());
}

TEST(ManifestCacheTest, OneRecordAnswersTagAndDigest) {
  ManifestCache cache(100);
  CachedManifest m = Manifest("one");
  cache.Put("lib/a", Ref("v1"), m);
  EXPECT_EQ(cache.Get("lib/a", Ref("v1")), m);
  EXPECT_EQ(cache.Get("lib/a", Ref(std::string(m.digest()))), m);
  EXPECT_FALSE(cache.Get("lib/a", Ref("v2")));
  EXPECT_FALSE(cache.Get("lib/b", Ref("v1")));
  // Fetched by digest later: still the one record, and a second tag of it joins it.
  cache.Put("lib/a", Ref(std::string(m.digest())), Manifest("one"));
  EXPECT_EQ(cache.Get("lib/a", Ref(std::string(m.digest()))), m);
  cache.Put("lib/a", Ref("stable"), m);
  EXPECT_EQ(cache.Get("lib/a", Ref("stable")), m);
}

TEST(ManifestCacheTest, DigestFirstThenTag) {
  ManifestCache cache(100);
  CachedManifest m = Manifest("one");
  cache.Put("lib/a", Ref(std::string(m.digest())), m);
  EXPECT_FALSE(cache.Get("lib/a", Ref("v1")));
  cache.Put("lib/a", Ref("v1"), m);
  EXPECT_EQ(cache.Get("lib/a", Ref("v1")), m);
  EXPECT_EQ(cache.Get("lib/a", Ref(std::string(m.digest()))), m);
}

TEST(ManifestCacheTest, InvalidateDropsTheRepositoryOnly) {
  ManifestCache cache(100);
  cache.Put("lib/a", Ref("v1"), Manifest("a"));
  cache.Put("lib/b", Ref("v1"), Manifest("b"));
  cache.InvalidateRepository("lib/a");
  EXPECT_FALSE(cache.Get("lib/a", Ref("v1")));
  EXPECT_EQ(cache.Get("lib/b", Ref("v1")).content(), "b");
}

TEST(ManifestCacheTest, BoundedPerRepositoryOldestFirst) {
  ManifestCache cache(1000);
  for (size_t i = 0; i <= ManifestCache::kMaxPerRepository; ++i) {
    cache.Put("lib/a", Tag(i), Manifest(std::to_string(i)));
  }
  EXPECT_FALSE(cache.Get("lib/a", Tag(0)));
  EXPECT_EQ(cache.Get("lib/a", Tag(1)).content(), "1");
  const size_t last = ManifestCache::kMaxPerRepository;
  EXPECT_EQ(cache.Get("lib/a", Tag(last)).content(), std::to_string(last));
}

TEST(ManifestCacheTest, StartsOverWhenFull) {
  ManifestCache cache(2);
  cache.Put("a", Ref("v1"), Manifest("a"));
  cache.Put("b", Ref("v1"), Manifest("b"));
  cache.Put("c", Ref("v1"), Manifest("c"));
  EXPECT_FALSE(cache.Get("a", Ref("v1")));
  EXPECT_FALSE(cache.Get("b", Ref("v1")));
  EXPECT_EQ(cache.Get("c", Ref("v1")).content(), "c");
}

TEST(ManifestCacheTest, ZeroCapacityKeepsNothing) {
  ManifestCache cache(0);
  cache.Put("a", Ref("v1"), Manifest("a"));
  EXPECT_FALSE(cache.Get("a", Ref("v1")));
}

}  // namespace
}  // namespace cangku::registry
