#include "features/gc/garbage_collector.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "oci/media_types.h"
#include "registry/testing/registry_fixture.h"

namespace cangku::gc {
namespace {

using std::chrono::hours;

class GarbageCollectorTest : public registry::RegistryFixture {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    gc_ = std::make_unique<GarbageCollector>(*blobs_, *metadata_, clock_);
  }

  GcReport Run(GcOptions options) {
    auto report = gc_->Run(options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : GcReport{};
  }

  bool Stored(const oci::Digest& d) { return blobs_->Stat(d).ok(); }
  bool Linked(const std::string& repo, const oci::Digest& d) {
    return metadata_->GetBlobLink(repo, d).ok();
  }
  bool HasManifest(const std::string& repo, const oci::Digest& d) {
    return metadata_->GetManifest(repo, d).ok();
  }

  std::unique_ptr<GarbageCollector> gc_;
};

TEST_F(GarbageCollectorTest, DeletesUnreferencedBlobsOlderThanGrace) {
  oci::Digest image = PushImage("lib/app", "v1", "a");
  oci::Digest orphan = PushBlob("lib/app", "orphan");
  // Nothing is old yet: nothing goes.
  GcReport report = Run({.grace = hours(1)});
  EXPECT_TRUE(report.blobs.empty());
  EXPECT_TRUE(report.links.empty());
  EXPECT_TRUE(Stored(orphan));

  clock_.now += hours(2);
  oci::Digest young = PushBlob("lib/app", "young");
  report = Run({.grace = hours(1)});
  ASSERT_EQ(report.blobs.size(), 1u);
  EXPECT_EQ(report.blobs[0], orphan);
  EXPECT_EQ(report.bytes_freed, 6u);
  EXPECT_EQ(report.links, std::vector<std::string>{"lib/app@" + orphan.str()});
  EXPECT_FALSE(Stored(orphan));
  EXPECT_FALSE(Linked("lib/app", orphan));
  EXPECT_TRUE(Linked("lib/app", young));  // its link is young (its file is not, by this clock)
  EXPECT_TRUE(Stored(young));
  EXPECT_TRUE(HasManifest("lib/app", image));
  auto pulled = registry_->GetManifest("lib/app", *oci::Reference::Parse("v1"));
  ASSERT_TRUE(pulled.ok());
  // Running again finds nothing more.
  report = Run({.grace = hours(1)});
  EXPECT_TRUE(report.blobs.empty());
}

TEST_F(GarbageCollectorTest, DryRunChangesNothing) {
  PushImage("lib/app", "v1", "a");
  oci::Digest orphan = PushBlob("lib/app", "orphan");
  clock_.now += hours(2);
  GcReport report = Run({.grace = hours(1), .dry_run = true});
  EXPECT_TRUE(report.dry_run);
  ASSERT_EQ(report.blobs.size(), 1u);
  EXPECT_EQ(report.bytes_freed, 6u);
  EXPECT_EQ(report.links.size(), 1u);
  EXPECT_TRUE(Stored(orphan));
  EXPECT_TRUE(Linked("lib/app", orphan));
  EXPECT_NE(FormatReport(report, false).find("would delete 0 manifests, 1 blob links, 1 blobs"),
            std::string::npos)
      << FormatReport(report, false);
}

TEST_F(GarbageCollectorTest, SharedBlobStaysWhileAnyRepositoryReferencesIt) {
  PushImage("a/one", "v1", "s");
  PushImage("b/two", "v1", "s");  // the same blobs, linked into another repository
  oci::Digest shared = PushBlob("c/three", "layer-s");
  clock_.now += hours(2);
  GcReport report = Run({.grace = hours(1)});
  EXPECT_EQ(report.links, std::vector<std::string>{"c/three@" + shared.str()});
  EXPECT_TRUE(report.blobs.empty());
  EXPECT_TRUE(Stored(shared));
}

TEST_F(GarbageCollectorTest, DeleteUntaggedFollowsIndexesAndSubjects) {
  oci::Digest tagged = PushImage("r", "v1", "t");
  oci::Digest untagged = PushImage("r", "v2", "u");
  ASSERT_TRUE(registry_->DeleteManifest("r", *oci::Reference::Parse("v2")).ok());
  std::string subject_of = [](const oci::Digest& d) {
    return R"(,"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
           d.str() + R"(","size":1})";
  }(tagged);
  oci::Digest sig_of_tagged = PushImage("r", "s1", "sig1", subject_of);
  std::string subject_untagged =
      R"(,"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      untagged.str() + R"(","size":1})";
  oci::Digest sig_of_untagged = PushImage("r", "s2", "sig2", subject_untagged);
  for (const char* tag : {"s1", "s2"}) {
    ASSERT_TRUE(registry_->DeleteManifest("r", *oci::Reference::Parse(tag)).ok());
  }
  clock_.now += hours(2);

  // Without the option, untagged manifests stay.
  GcReport report = Run({.grace = hours(1)});
  EXPECT_TRUE(report.manifests.empty());

  report = Run({.grace = hours(1), .delete_untagged = true, .dry_run = true});
  EXPECT_EQ(report.manifests.size(), 2u);
  EXPECT_EQ(report.blobs.size(), 4u);  // the config and layer of each

  report = Run({.grace = hours(1), .delete_untagged = true});
  ASSERT_EQ(report.manifests.size(), 2u);
  EXPECT_EQ(report.manifests[0], "r@" + untagged.str());  // the subject before its referrer
  EXPECT_EQ(report.blobs.size(), 4u);
  EXPECT_FALSE(HasManifest("r", untagged));
  EXPECT_FALSE(HasManifest("r", sig_of_untagged));
  EXPECT_TRUE(HasManifest("r", tagged));
  EXPECT_TRUE(HasManifest("r", sig_of_tagged));
}

TEST_F(GarbageCollectorTest, IndexKeepsItsChildren) {
  oci::Digest child = PushImage("r", "tmp", "c");
  ASSERT_TRUE(registry_->DeleteManifest("r", *oci::Reference::Parse("tmp")).ok());
  std::string index =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
      R"("manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      child.str() + R"(","size":1}]})";
  ASSERT_TRUE(
      registry_->PutManifest("r", *oci::Reference::Parse("latest"), oci::kOciImageIndex, index)
          .ok());
  clock_.now += hours(2);
  GcReport report = Run({.grace = hours(1), .delete_untagged = true});
  EXPECT_TRUE(report.manifests.empty());
  EXPECT_TRUE(report.blobs.empty());
  ASSERT_TRUE(registry_->DeleteManifest("r", *oci::Reference::Parse("latest")).ok());
  report = Run({.grace = hours(1), .delete_untagged = true});
  EXPECT_EQ(report.manifests.size(), 2u);
  EXPECT_EQ(report.blobs.size(), 2u);
  EXPECT_FALSE(HasManifest("r", child));
}

TEST_F(GarbageCollectorTest, StoringAnExistingBlobAgainRefreshesItsTime) {
  oci::Digest d = PushBlob("r", "again");
  auto old_time = std::chrono::system_clock::now() - hours(3);
  std::filesystem::last_write_time(
      dir_ + "/blobs/sha256/" + std::string(d.hex().substr(0, 2)) + "/" + std::string(d.hex()),
      std::filesystem::file_time_type::clock::now() - hours(3));
  ASSERT_LT(blobs_->Stat(d)->modified, old_time + hours(1));
  ASSERT_TRUE(metadata_->UnlinkBlob("r", d).ok());
  PushBlob("s", "again");  // the commit finds the file there and keeps it
  EXPECT_GT(blobs_->Stat(d)->modified, old_time + hours(2));
  ASSERT_TRUE(metadata_->UnlinkBlob("s", d).ok());
  // Now unlinked everywhere but fresh: the grace period spares it.
  GcReport report = Run({.grace = hours(1)});
  EXPECT_TRUE(report.blobs.empty());
  EXPECT_TRUE(Stored(d));
}

// The figure for BENCHMARKS.md: CANGKU_GC_BENCH_BLOBS=100000 gc_test --gtest_filter='*Timing*'
// builds that many blob files (half referenced by manifests of ten layers, a quarter linked but
// unreferenced, a quarter unlinked) and times one full mark-and-sweep. Skipped otherwise.
TEST_F(GarbageCollectorTest, TimingOfMarkAndSweep) {
  const char* env = std::getenv("CANGKU_GC_BENCH_BLOBS");
  if (env == nullptr) GTEST_SKIP() << "set CANGKU_GC_BENCH_BLOBS to run";
  const int n = std::max(40, std::atoi(env));
  auto setup_start = std::chrono::steady_clock::now();
  std::vector<oci::Digest> layers;
  for (int i = 0; i < n; ++i) {
    std::string content = "blob-" + std::to_string(i);
    oci::Digest d = oci::Digest::Sha256Of(content);
    std::string hex(d.hex());
    std::filesystem::create_directories(dir_ + "/blobs/sha256/" + hex.substr(0, 2));
    std::ofstream(dir_ + "/blobs/sha256/" + hex.substr(0, 2) + "/" + hex) << content;
    if (i % 4 == 3) continue;                                      // unlinked
    std::string repo = "bench/r" + std::to_string((i / 40) % 50);  // whole groups per repo
    ASSERT_TRUE(metadata_->LinkBlob(repo, d, static_cast<int64_t>(content.size()), 0).ok());
    if (i % 4 == 2) continue;  // linked, unreferenced
    layers.push_back(d);
    if (layers.size() == 10) {
      std::string body = "{\"m\":" + std::to_string(i) + "}";
      metadata::ManifestWrite write{.manifest = {.repository = repo,
                                                 .digest = oci::Digest::Sha256Of(body),
                                                 .media_type = std::string(oci::kOciImageManifest),
                                                 .content = body,
                                                 .size = static_cast<int64_t>(body.size()),
                                                 .created_at = 0},
                                    .blobs = {}};
      // Only the layers linked into this repository.
      for (const oci::Digest& l : layers) {
        if (metadata_->GetBlobLink(repo, l).ok()) write.blobs.push_back(l);
      }
      ASSERT_TRUE(metadata_->PutManifest(write).ok());
      layers.clear();
    }
  }
  auto setup = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - setup_start);
  clock_.now += hours(2);
  auto start = std::chrono::steady_clock::now();
  GcReport report = Run({.grace = hours(1)});
  auto total = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  std::cout << "gc of " << n << " blobs (setup " << setup.count()
            << " ms): " << FormatReport(report, false) << "total " << total.count() << " ms\n";
  EXPECT_EQ(report.blobs_seen, static_cast<size_t>(n));
  EXPECT_GE(report.blobs.size(), static_cast<size_t>(n / 2 - 10));
}

}  // namespace
}  // namespace cangku::gc
