#include "registry/pull_recorder.h"

#include <gtest/gtest.h>

#include <map>

#include "oci/media_types.h"
#include "registry/testing/registry_fixture.h"

namespace cangku::registry {
namespace {

class PullRecorderTest : public RegistryFixture {
 protected:
  // The last-pull time of each manifest of `repo`, by digest.
  std::map<std::string, int64_t> PullTimes(const std::string& repo) {
    std::map<std::string, int64_t> out;
    EXPECT_TRUE(metadata_
                    ->ForEachManifest([&](const metadata::ManifestNode& node) {
                      if (node.repository == repo) out[node.digest.str()] = node.last_pulled_at;
                      return OkStatus();
                    })
                    .ok());
    return out;
  }

  oci::Digest PushManifest(const std::string& repo, const std::string& tag) {
    oci::Digest config = PushBlob(repo, "{}");
    std::string manifest =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
        R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
        config.str() + R"(","size":2},"layers":[]})";
    auto put = registry_->PutManifest(repo, Ref(tag), oci::kOciImageManifest, manifest);
    EXPECT_TRUE(put.ok()) << put.status().ToString();
    return put.ok() ? put->digest : oci::Digest::Sha256Of("");
  }
};

TEST_F(PullRecorderTest, NotesInMemoryAndWritesOnFlush) {
  PullRecorder pulls(*metadata_, clock_);
  NewRegistry({.pull_recorder = &pulls});
  oci::Digest d = PushManifest("lib/a", "v1");
  auto pulled = registry_->GetManifest("lib/a", Ref("v1"));
  ASSERT_TRUE(pulled.ok());
  registry_->NotePull(*pulled);
  // Another record of the same manifest is the same pull.
  registry_->NotePull(CachedManifest("lib/a", d.str(), oci::kOciImageManifest, ""));
  pulls.Note(CachedManifest("lib/gone", d.str(), "", ""));  // unknown repository: skipped
  EXPECT_EQ(pulls.pending(), 2u);
  EXPECT_EQ(PullTimes("lib/a")[d.str()], 0);  // nothing written before Flush
  ASSERT_TRUE(pulls.Flush().ok());
  EXPECT_EQ(pulls.pending(), 0u);
  EXPECT_EQ(PullTimes("lib/a")[d.str()], UnixSeconds(clock_.now));
  ASSERT_TRUE(pulls.Flush().ok());  // nothing pending: no write
  // The same record again within the period: its time would not move, nothing is noted.
  registry_->NotePull(*pulled);
  EXPECT_EQ(pulls.pending(), 0u);
  clock_.now += std::chrono::seconds(metadata::kPullTimeResolutionSeconds);
  registry_->NotePull(*pulled);
  EXPECT_EQ(pulls.pending(), 1u);
  ASSERT_TRUE(pulls.Flush().ok());
  EXPECT_EQ(PullTimes("lib/a")[d.str()], UnixSeconds(clock_.now));
}

}  // namespace
}  // namespace cangku::registry
