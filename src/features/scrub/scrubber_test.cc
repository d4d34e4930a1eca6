#include "features/scrub/scrubber.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "oci/media_types.h"
#include "registry/testing/registry_fixture.h"

namespace cangku::scrub {
namespace {

class ScrubberTest : public registry::RegistryFixture {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    scrubber_ = std::make_unique<Scrubber>(*blobs_, *metadata_, clock_);
  }

  ScrubReport Run(ScrubOptions options = {}) {
    auto report = scrubber_->Run(options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : ScrubReport{};
  }

  std::unique_ptr<Scrubber> scrubber_;
};

TEST_F(ScrubberTest, CleanStoreHasNoProblems) {
  PushBlob("r", "one");
  PushBlob("r", "two");
  ScrubReport report = Run();
  EXPECT_EQ(report.blobs_checked, 2u);
  EXPECT_EQ(report.bytes_hashed, 6u);
  EXPECT_EQ(report.links_checked, 2u);
  EXPECT_TRUE(report.problems.empty()) << FormatReport(report);
}

TEST_F(ScrubberTest, FindsCorruptAndMissingBlobsAndBrokenManifests) {
  oci::Digest config = PushBlob("r", "{}");
  oci::Digest layer = PushBlob("r", "hello");
  oci::Digest loose = PushBlob("r", "loose");
  std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      config.str() +
      R"(","size":2},"layers":[{"mediaType":)"
      R"("application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
      layer.str() + R"(","size":5}]})";
  ASSERT_TRUE(
      registry_->PutManifest("r", *oci::Reference::Parse("v1"), oci::kOciImageManifest, manifest)
          .ok());
  {
    std::fstream f(BlobPath(layer), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1);
    f.put('X');
  }
  std::filesystem::remove(BlobPath(loose));

  ScrubReport report = Run();
  EXPECT_EQ(report.Unrepaired(), 3u) << FormatReport(report);
  std::string text = FormatReport(report);
  EXPECT_NE(text.find("problem corrupt-blob " + layer.str()), std::string::npos) << text;
  EXPECT_NE(text.find("problem missing-blob r@" + loose.str()), std::string::npos) << text;
  EXPECT_NE(text.find("problem broken-manifest r@"), std::string::npos) << text;

  report = Run({.repair = true});
  // The corrupt file goes, and the loose link to nothing; the manifest stays broken.
  EXPECT_EQ(report.Unrepaired(), 1u) << FormatReport(report);
  EXPECT_FALSE(blobs_->Stat(layer).ok());
  EXPECT_FALSE(metadata_->GetBlobLink("r", loose).ok());
  EXPECT_TRUE(metadata_->GetBlobLink("r", layer).ok());  // a manifest uses it

  // Pushing the right content again heals the image.
  PushBlob("r", "hello");
  report = Run();
  EXPECT_EQ(report.Unrepaired(), 0u) << FormatReport(report);
}

}  // namespace
}  // namespace cangku::scrub
