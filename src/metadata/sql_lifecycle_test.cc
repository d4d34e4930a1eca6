// LifecycleStore tests of SqlMetadataStore, on every backend.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_test_fixture.h"

namespace cangku::metadata {
namespace {

using testing::SqlStoreTest;

class SqlLifecycleTest : public SqlStoreTest {
 protected:
  void Put(const ManifestWrite& write) {
    Status status = store_->PutManifest(write);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  std::vector<LinkRow> Links() {
    std::vector<LinkRow> links;
    Status s = store_->ForEachLink([&](const LinkRow& row) {
      links.push_back(row);
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return links;
  }
  std::vector<ManifestNode> Manifests() {
    std::vector<ManifestNode> nodes;
    Status s = store_->ForEachManifest([&](const ManifestNode& node) {
      nodes.push_back(node);
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return nodes;
  }
};

TEST_P(SqlLifecycleTest, ListsLinksManifestsAndRefs) {
  ASSERT_TRUE(store_->LinkBlob("a", D("x"), 5, 1234).ok());
  Link("a", D("y"));
  Put(Manifest("a", "m", {D("y")}, "v1"));
  auto links = Links();
  ASSERT_EQ(links.size(), 2u);
  auto x = std::find_if(links.begin(), links.end(), [&](auto& l) { return l.digest == D("x"); });
  ASSERT_NE(x, links.end());
  EXPECT_EQ(x->repository, "a");
  EXPECT_EQ(x->size, 5);
  EXPECT_EQ(x->created_at, 1234);
  auto nodes = Manifests();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_TRUE(nodes[0].tagged);
  EXPECT_EQ(nodes[0].created_at, 1000);
  std::vector<ManifestRef> refs;
  ASSERT_TRUE(store_
                  ->ForEachManifestRef([&](const ManifestRef& r) {
                    refs.push_back(r);
                    return OkStatus();
                  })
                  .ok());
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].kind, ManifestRef::Kind::kBlob);
  EXPECT_EQ(refs[0].child, D("y"));
  EXPECT_TRUE(*store_->IsLinked(D("x")));
  EXPECT_FALSE(*store_->IsLinked(D("zzz")));
}

TEST_P(SqlLifecycleTest, RelinkRefreshesTime) {
  ASSERT_TRUE(store_->LinkBlob("a", D("x"), 5, 10).ok());
  ASSERT_TRUE(store_->LinkBlob("a", D("x"), 5, 20).ok());
  auto links = Links();
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].created_at, 20);
}

TEST_P(SqlLifecycleTest, DeletesOnlyOldUnreferencedLinks) {
  ASSERT_TRUE(store_->LinkBlob("a", D("old"), 1, 100).ok());
  ASSERT_TRUE(store_->LinkBlob("a", D("young"), 1, 300).ok());
  ASSERT_TRUE(store_->LinkBlob("a", D("used"), 1, 100).ok());
  Put(Manifest("a", "m", {D("used")}));
  std::vector<LinkRow> all = Links();
  all.push_back(LinkRow{"nope", D("old"), 1, 0});
  auto deleted = store_->DeleteUnreferencedLinks(all, 200);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  ASSERT_EQ(deleted->size(), 1u);
  EXPECT_EQ((*deleted)[0].digest, D("old"));
  EXPECT_EQ(Links().size(), 2u);
  EXPECT_FALSE(*store_->IsLinked(D("old")));
}

TEST_P(SqlLifecycleTest, DeletesManifestsOnlyWhenUnreachable) {
  Link("a", D("l"));
  ManifestWrite tagged = Manifest("a", "tagged", {D("l")}, "v1");
  ManifestWrite child = Manifest("a", "child", {D("l")});
  ManifestWrite referrer = Manifest("a", "ref", {});
  referrer.manifest.subject = tagged.manifest.digest;
  ManifestWrite loose = Manifest("a", "loose", {D("l")});
  ManifestWrite young = Manifest("a", "young", {});
  young.manifest.created_at = 5000;
  Put(tagged);
  Put(child);
  ManifestWrite index = Manifest("a", "index", {});
  index.children = {child.manifest.digest};
  Put(index);
  Put(referrer);
  Put(loose);
  Put(young);
  auto del = [&](const ManifestWrite& w) {
    auto r = store_->DeleteManifestIfUnreachable("a", w.manifest.digest, 2000);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  };
  EXPECT_FALSE(del(tagged));
  EXPECT_FALSE(del(child));     // listed by an index
  EXPECT_FALSE(del(referrer));  // its subject is there
  EXPECT_FALSE(del(young));
  EXPECT_TRUE(del(loose));
  EXPECT_FALSE(del(loose));  // already gone
  EXPECT_TRUE(del(index));
  EXPECT_TRUE(del(child));  // its index went
  ASSERT_TRUE(store_->DeleteTag("a", "v1").ok());
  EXPECT_TRUE(del(tagged));
  EXPECT_TRUE(del(referrer));  // its subject went
  EXPECT_EQ(Manifests().size(), 1u);
  // The link stays referenced by nothing now, so it may go.
  auto deleted = store_->DeleteUnreferencedLinks(Links(), 2000);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->size(), 1u);
}

TEST_P(SqlLifecycleTest, RetentionTagsPullTimesAndConditionalTagDelete) {
  Link("a", D("y"));
  ManifestWrite write = Manifest("a", "m", {D("y")}, "v1");
  Put(write);
  const oci::Digest& m = write.manifest.digest;
  std::vector<TagRow> tags;
  ASSERT_TRUE(store_
                  ->ForEachTag([&](const TagRow& t) {
                    tags.push_back(t);
                    return OkStatus();
                  })
                  .ok());
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].repository, "a");
  EXPECT_EQ(tags[0].name, "v1");
  EXPECT_EQ(tags[0].digest, m);
  EXPECT_EQ(Manifests()[0].last_pulled_at, 0);
  ASSERT_TRUE(
      store_->RecordPulls({{"a", m.str()}, {"gone", m.str()}, {"a", D("unknown").str()}}, 5000)
          .ok());
  EXPECT_EQ(Manifests()[0].last_pulled_at, 5000);
  // Within the resolution the time stays; past it, it moves.
  ASSERT_TRUE(store_->RecordPulls({{"a", m.str()}}, 5000 + kPullTimeResolutionSeconds - 1).ok());
  EXPECT_EQ(Manifests()[0].last_pulled_at, 5000);
  ASSERT_TRUE(store_->RecordPulls({{"a", m.str()}}, 5000 + kPullTimeResolutionSeconds).ok());
  EXPECT_EQ(Manifests()[0].last_pulled_at, 5000 + kPullTimeResolutionSeconds);
  TagRow moved = tags[0];
  moved.updated_at += 1;  // as if re-pushed since it was read
  EXPECT_FALSE(*store_->DeleteTagIfUnchanged(moved));
  EXPECT_TRUE(*store_->DeleteTagIfUnchanged(tags[0]));
  EXPECT_FALSE(*store_->DeleteTagIfUnchanged(tags[0]));
  EXPECT_FALSE(Manifests()[0].tagged);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlLifecycleTest, CANGKU_SQL_BACKENDS());

}  // namespace
}  // namespace cangku::metadata
