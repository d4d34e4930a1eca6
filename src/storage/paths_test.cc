#include "storage/paths.h"

#include <gtest/gtest.h>

#include <string>

namespace cangku::storage {
namespace {

const std::string kHex256 = "ab" + std::string(62, '0');

oci::Digest MustParse(const std::string& text) {
  auto digest = oci::Digest::Parse(text);
  EXPECT_TRUE(digest.ok()) << digest.status().ToString();
  return *digest;
}

TEST(PathMapperTest, Directories) {
  PathMapper paths("/data");
  EXPECT_EQ(paths.BlobsDir(), "/data/blobs");
  EXPECT_EQ(paths.UploadsDir(), "/data/uploads");
  EXPECT_EQ(paths.TmpDir(), "/data/tmp");
  EXPECT_EQ(PathMapper("/data/").BlobsDir(), "/data/blobs");
}

TEST(PathMapperTest, BlobPaths) {
  PathMapper paths("/data");
  oci::Digest digest = MustParse("sha256:" + kHex256);
  EXPECT_EQ(paths.BlobDir(digest), "/data/blobs/sha256/ab");
  EXPECT_EQ(paths.BlobPath(digest), "/data/blobs/sha256/ab/" + kHex256);
  std::string hex512 = "c1" + std::string(126, 'f');
  EXPECT_EQ(paths.BlobPath(MustParse("sha512:" + hex512)), "/data/blobs/sha512/c1/" + hex512);
}

TEST(PathMapperTest, UploadAndTmpPaths) {
  PathMapper paths("rel");
  EXPECT_EQ(paths.UploadPath("12-ab"), "rel/uploads/12-ab");
  EXPECT_EQ(paths.TmpPath("0f0f"), "rel/tmp/0f0f.tmp");
  EXPECT_TRUE(PathMapper::IsTmpName("0f0f.tmp"));
  EXPECT_FALSE(PathMapper::IsTmpName(".tmp"));
  EXPECT_FALSE(PathMapper::IsTmpName("0f0f"));
}

TEST(PathMapperTest, DigestFromBlobPathRoundTrips) {
  auto digest = PathMapper::DigestFromBlobPath("sha256", "ab", kHex256);
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(digest->str(), "sha256:" + kHex256);
}

TEST(PathMapperTest, DigestFromBlobPathRejectsStrays) {
  EXPECT_FALSE(PathMapper::DigestFromBlobPath("sha256", "cd", kHex256));
  EXPECT_FALSE(PathMapper::DigestFromBlobPath("sha256", "a", kHex256));
  EXPECT_FALSE(PathMapper::DigestFromBlobPath("md5", "ab", kHex256));
  EXPECT_FALSE(PathMapper::DigestFromBlobPath("sha512", "ab", kHex256));
  EXPECT_FALSE(PathMapper::DigestFromBlobPath("sha256", "ab", "ab12"));
  EXPECT_FALSE(PathMapper::DigestFromBlobPath("sha256", "AB", "AB" + std::string(62, '0')));
  EXPECT_FALSE(PathMapper::DigestFromBlobPath("sha256", "ab", kHex256 + ".tmp"));
  EXPECT_FALSE(PathMapper::DigestFromBlobPath("", "", ""));
}

TEST(UploadIdTest, Valid) {
  EXPECT_TRUE(IsValidUploadId("0"));
  EXPECT_TRUE(IsValidUploadId("-"));
  EXPECT_TRUE(IsValidUploadId("0123456789abcdef-"));
  EXPECT_TRUE(IsValidUploadId(std::string(64, 'a')));
}

TEST(UploadIdTest, Invalid) {
  EXPECT_FALSE(IsValidUploadId(""));
  EXPECT_FALSE(IsValidUploadId(std::string(65, 'a')));
  EXPECT_FALSE(IsValidUploadId("ABC"));
  EXPECT_FALSE(IsValidUploadId("g"));
  EXPECT_FALSE(IsValidUploadId("."));
  EXPECT_FALSE(IsValidUploadId(".."));
  EXPECT_FALSE(IsValidUploadId("a/b"));
  EXPECT_FALSE(IsValidUploadId(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace cangku::storage
