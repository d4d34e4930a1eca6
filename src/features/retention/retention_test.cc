#include "features/retention/retention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "oci/media_types.h"
#include "registry/pull_recorder.h"
#include "registry/testing/registry_fixture.h"

namespace cangku::retention {
namespace {

using std::chrono::hours;

class RetentionTest : public registry::RegistryFixture {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    policies_ = policy::PolicyService::Create(*metadata_, clock_);
    retention_ = std::make_unique<Retention>(*metadata_, *policies_, clock_);
  }

  // RegistryFixture::PushImage, then the clock moves a minute on, so pushes have distinct times.
  oci::Digest PushImage(const std::string& repo, const std::string& ref, const std::string& seed,
                        const std::string& extra = "") {
    oci::Digest digest = RegistryFixture::PushImage(repo, ref, seed, extra);
    clock_.now += std::chrono::minutes(1);
    return digest;
  }

  oci::Digest Put(const std::string& repo, const std::string& ref, std::string_view type,
                  const std::string& manifest) {
    auto put = registry_->PutManifest(repo, Ref(ref), type, manifest);
    EXPECT_TRUE(put.ok()) << put.status().ToString();
    clock_.now += std::chrono::minutes(1);
    return put.ok() ? put->digest : oci::Digest::Sha256Of("");
  }

  std::string Descriptor(const std::string& repo, const oci::Digest& d) {
    auto m = metadata_->GetManifest(repo, d);
    EXPECT_TRUE(m.ok());
    return R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + d.str() +
           R"(","size":)" + std::to_string(m.ok() ? m->content.size() : 0) + "}";
  }

  // A signature-like referrer of `subject` (untagged).
  oci::Digest PushReferrer(const std::string& repo, const oci::Digest& subject,
                           const std::string& seed) {
    return PushImage(repo, "", seed, ",\"subject\":" + Descriptor(repo, subject));
  }

  void SetRules(const std::string& project, policy::RetentionRules rules,
                std::vector<std::string> immutable = {}) {
    policy::ProjectPolicy p{.immutable_tags = std::move(immutable), .retention = std::move(rules)};
    ASSERT_TRUE(policies_->Set(project, p).ok());
  }

  RetentionReport Run(RetentionOptions options = {}) {
    auto report = retention_->Run(options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : RetentionReport{};
  }

  // "repo:tag" for removed tags, "repo@digest" for removed manifests.
  static std::set<std::string> Removed(const RetentionReport& report) {
    std::set<std::string> out;
    for (const Removal& r : report.removed) {
      out.insert(r.tag.empty() ? r.repository + "@" + r.digest.str() : r.repository + ":" + r.tag);
    }
    return out;
  }

  std::vector<std::string> Tags(const std::string& repo) {
    auto tags = metadata_->ListTags(repo, {.last = "", .limit = 100});
    return tags.ok() ? *tags : std::vector<std::string>{};
  }
  bool HasManifest(const std::string& repo, const oci::Digest& d) {
    return metadata_->GetManifest(repo, d).ok();
  }

  std::unique_ptr<policy::PolicyService> policies_;
  std::unique_ptr<Retention> retention_;
};

TEST_F(RetentionTest, KeepLastCountsPerRepositoryByPushTime) {
  for (const char* tag : {"t1", "t2", "t3", "t4"}) PushImage("lib/a", tag, tag);
  PushImage("lib/b", "old", "b-old");
  PushImage("lib/b", "new", "b-new");
  PushImage("other/c", "t1", "c1");      // another project: no rules, untouched
  PushImage("lib/a", "t1", "t1-again");  // re-pushed: now the newest of lib/a
  SetRules("lib", {.keep_last = 2});
  RetentionReport report = Run();
  EXPECT_EQ(Removed(report), (std::set<std::string>{"lib/a:t2", "lib/a:t3"}));
  EXPECT_EQ(report.tags_kept, 4u);
  EXPECT_EQ(Tags("lib/a"), (std::vector<std::string>{"t1", "t4"}));
  EXPECT_EQ(Tags("lib/b").size(), 2u);
  EXPECT_EQ(Tags("other/c").size(), 1u);
  EXPECT_EQ(report.projects, std::vector<std::string>{"lib"});
}

TEST_F(RetentionTest, RulesCombineWithOrAndPullsCount) {
  oci::Digest dev = PushImage("lib/a", "dev", "dev");
  oci::Digest stale = PushImage("lib/a", "stale", "stale");
  PushImage("lib/a", "v1", "v1");
  PushImage("lib/a", "tmp", "tmp");
  PushImage("lib/a", "main", "main");
  registry::PullRecorder pulls(*metadata_, clock_);
  pulls.Note(registry::CachedManifest("lib/a", stale.str(), "", ""));
  ASSERT_TRUE(pulls.Flush().ok());
  clock_.now += hours(24 * 8);
  pulls.Note(registry::CachedManifest("lib/a", dev.str(), "", ""));
  EXPECT_EQ(pulls.pending(), 1u);
  ASSERT_TRUE(pulls.Flush().ok());
  EXPECT_EQ(pulls.pending(), 0u);
  clock_.now += hours(24);
  SetRules("lib", {.keep_pulled_days = 7, .keep_tags = {"v*"}, .keep_tags_not = {"tmp", "st*"}});
  // dev: pulled a day ago; v1: matches v*; main: matches none of tmp, st*.
  EXPECT_EQ(Removed(Run()), (std::set<std::string>{"lib/a:stale", "lib/a:tmp"}));
  EXPECT_EQ(Tags("lib/a"), (std::vector<std::string>{"dev", "main", "v1"}));
  EXPECT_TRUE(HasManifest("lib/a", stale));  // remove_untagged is off
}

TEST_F(RetentionTest, NoKeepRuleRemovesNoTagButRemoveUntaggedStillApplies) {
  PushImage("lib/a", "t1", "t1");
  oci::Digest loose = PushImage("lib/a", "", "loose");
  EXPECT_TRUE(Run().removed.empty());  // no policy at all
  EXPECT_TRUE(Run().projects.empty());
  SetRules("lib", {.remove_untagged = true});
  clock_.now += hours(2);
  EXPECT_EQ(Removed(Run()), (std::set<std::string>{"lib/a@" + loose.str()}));
  EXPECT_EQ(Tags("lib/a"), std::vector<std::string>{"t1"});
  EXPECT_FALSE(HasManifest("lib/a", loose));
}

TEST_F(RetentionTest, IndexChildrenAndReferrersFollowWhatHoldsThem) {
  oci::Digest amd64 = PushImage("lib/a", "", "amd64");
  oci::Digest arm64 = PushImage("lib/a", "", "arm64");
  std::string index = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
                      R"("manifests":[)" +
                      Descriptor("lib/a", amd64) + "," + Descriptor("lib/a", arm64) + "]}";
  oci::Digest multi = Put("lib/a", "multi", oci::kOciImageIndex, index);
  oci::Digest multi_sig = PushReferrer("lib/a", multi, "multi-sig");
  oci::Digest old = PushImage("lib/a", "old", "old");
  oci::Digest old_sig = PushReferrer("lib/a", old, "old-sig");
  oci::Digest old_sbom = PushReferrer("lib/a", old_sig, "old-sig-sbom");
  SetRules("lib", {.keep_tags = {"multi"}, .remove_untagged = true});
  clock_.now += hours(2);
  RetentionReport report = Run();
  EXPECT_EQ(Removed(report),
            (std::set<std::string>{"lib/a:old", "lib/a@" + old.str(), "lib/a@" + old_sig.str(),
                                   "lib/a@" + old_sbom.str()}));
  for (const oci::Digest& d : {amd64, arm64, multi, multi_sig})
    EXPECT_TRUE(HasManifest("lib/a", d));
  for (const oci::Digest& d : {old, old_sig, old_sbom}) EXPECT_FALSE(HasManifest("lib/a", d));
  // The subject goes before its referrers.
  auto at = [&](const oci::Digest& d) {
    return std::find_if(report.removed.begin(), report.removed.end(),
                        [&](const Removal& r) { return r.tag.empty() && r.digest == d; }) -
           report.removed.begin();
  };
  EXPECT_LT(at(old), at(old_sig));
  EXPECT_LT(at(old_sig), at(old_sbom));
  EXPECT_EQ(report.removed[static_cast<size_t>(at(old_sig))].reason, "subject removed");
}

TEST_F(RetentionTest, ManifestStaysWhileAnyOfItsTagsIsKept) {
  oci::Digest shared = PushImage("lib/a", "keep-1", "shared");
  ASSERT_TRUE(registry_
                  ->PutManifest("lib/a", Ref("drop"), oci::kOciImageManifest,
                                metadata_->GetManifest("lib/a", shared)->content)
                  .ok());
  oci::Digest gone = PushImage("lib/a", "drop-2", "gone");
  SetRules("lib", {.keep_tags = {"keep-*"}, .remove_untagged = true});
  clock_.now += hours(2);
  EXPECT_EQ(Removed(Run()),
            (std::set<std::string>{"lib/a:drop", "lib/a:drop-2", "lib/a@" + gone.str()}));
  EXPECT_TRUE(HasManifest("lib/a", shared));
  EXPECT_EQ(Tags("lib/a"), std::vector<std::string>{"keep-1"});
}

TEST_F(RetentionTest, DryRunChangesNothing) {
  oci::Digest d1 = PushImage("lib/a", "t1", "t1");
  PushImage("lib/a", "t2", "t2");
  SetRules("lib", {.keep_last = 1, .remove_untagged = true});
  clock_.now += hours(2);
  RetentionReport report = Run({.dry_run = true});
  EXPECT_TRUE(report.dry_run);
  EXPECT_EQ(Removed(report), (std::set<std::string>{"lib/a:t1", "lib/a@" + d1.str()}));
  EXPECT_NE(
      FormatReport(report).find("lib/a:t1 (" + d1.str() + ") would be removed: kept by no rule"),
      std::string::npos);
  EXPECT_EQ(Tags("lib/a"), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_TRUE(HasManifest("lib/a", d1));
  RetentionReport real = Run();
  EXPECT_EQ(Removed(real), Removed(report));
  EXPECT_NE(FormatReport(real).find("lib/a:t1 (" + d1.str() + ") removed: kept by no rule"),
            std::string::npos);
  EXPECT_FALSE(HasManifest("lib/a", d1));
}

TEST_F(RetentionTest, ImmutableTagsAndYoungUntaggedManifestsStay) {
  PushImage("lib/a", "v1", "v1");
  oci::Digest young = PushImage("lib/a", "t1", "t1");
  PushImage("lib/a", "t2", "t2");
  SetRules("lib", {.keep_last = 1, .remove_untagged = true}, {"v*"});
  // t1 goes, but its manifest is younger than the grace period.
  EXPECT_EQ(Removed(Run({.grace = hours(1)})), std::set<std::string>{"lib/a:t1"});
  EXPECT_TRUE(HasManifest("lib/a", young));
  EXPECT_EQ(Tags("lib/a"), (std::vector<std::string>{"t2", "v1"}));
  clock_.now += hours(2);
  EXPECT_EQ(Removed(Run({.project = "lib"})), std::set<std::string>{"lib/a@" + young.str()});
}

}  // namespace
}  // namespace cangku::retention
