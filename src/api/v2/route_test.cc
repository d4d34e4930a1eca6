#include "api/v2/route.h"

#include <gtest/gtest.h>

namespace cangku::api::v2 {
namespace {

using K = Route::Kind;

TEST(RouteTest, Endpoints) {
  EXPECT_EQ(ParseRoute("/v2/").kind, K::kBase);
  EXPECT_EQ(ParseRoute("/v2").kind, K::kBase);
  EXPECT_EQ(ParseRoute("/v2/_catalog").kind, K::kCatalog);
  Route r = ParseRoute("/v2/library/debian/manifests/bookworm");
  EXPECT_EQ(r.kind, K::kManifest);
  EXPECT_EQ(r.name, "library/debian");
  EXPECT_EQ(r.arg, "bookworm");
  r = ParseRoute("/v2/a/b/c/tags/list");
  EXPECT_EQ(r.kind, K::kTags);
  EXPECT_EQ(r.name, "a/b/c");
  r = ParseRoute("/v2/x/blobs/uploads/");
  EXPECT_EQ(r.kind, K::kUploadStart);
  EXPECT_EQ(r.name, "x");
  r = ParseRoute("/v2/x/blobs/uploads");
  EXPECT_EQ(r.kind, K::kUploadStart);
  r = ParseRoute("/v2/x/blobs/uploads/1234-ab");
  EXPECT_EQ(r.kind, K::kUpload);
  EXPECT_EQ(r.arg, "1234-ab");
  r = ParseRoute("/v2/x/referrers/sha256:00");
  EXPECT_EQ(r.kind, K::kReferrers);
  r = ParseRoute("/v2/x/blobs/sha256:00");
  EXPECT_EQ(r.kind, K::kBlob);
  EXPECT_EQ(r.arg, "sha256:00");
}

TEST(RouteTest, NamesContainingKeywords) {
  Route r = ParseRoute("/v2/blobs/manifests/manifests/latest");
  EXPECT_EQ(r.kind, K::kManifest);
  EXPECT_EQ(r.name, "blobs/manifests");
  r = ParseRoute("/v2/tags/list/tags/list");
  EXPECT_EQ(r.kind, K::kTags);
  EXPECT_EQ(r.name, "tags/list");
}

TEST(RouteTest, UnknownAndRaw) {
  EXPECT_EQ(ParseRoute("/v1/").kind, K::kUnknown);
  EXPECT_EQ(ParseRoute("/v2/x").kind, K::kUnknown);
  EXPECT_EQ(ParseRoute("/v2/x/other/y").kind, K::kUnknown);
  // Whatever follows blobs/uploads/ is a session id, valid or not.
  Route r = ParseRoute("/v2/x/blobs/uploads/../../evil");
  EXPECT_EQ(r.kind, K::kUpload);
  EXPECT_EQ(r.name, "x");
  EXPECT_EQ(r.arg, "../../evil");
  // Nothing is decoded or normalized: the name check refuses these later.
  EXPECT_EQ(ParseRoute("/v2/../x/manifests/a").name, "../x");
  EXPECT_EQ(ParseRoute("/v2/%2e%2e/x/manifests/a").name, "%2e%2e/x");
  EXPECT_EQ(ParseRoute("/v2/a//b/manifests/a").name, "a//b");
}

}  // namespace
}  // namespace cangku::api::v2
