#include "storage/testing/faulty_blob_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "storage/filesystem/filesystem_blob_store.h"

namespace cangku::storage {
namespace {

std::span<const char> Bytes(std::string_view s) { return {s.data(), s.size()}; }

class FaultyBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = "/tmp/cangku-faulty-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    auto inner = FilesystemBlobStore::Create(root_);
    ASSERT_TRUE(inner.ok());
    store_ = std::make_unique<FaultyBlobStore>(*std::move(inner));
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  bool UploadsEmpty() {
    auto uploads = store_->ListUploads();
    return uploads.ok() && uploads->empty();
  }

  std::string root_;
  std::unique_ptr<FaultyBlobStore> store_;
};

TEST_F(FaultyBlobStoreTest, FailNthAppend) {
  auto upload = store_->CreateUpload("a1");
  ASSERT_TRUE(upload.ok());
  store_->FailNthAppend(2);
  EXPECT_TRUE((*upload)->Append(Bytes("one")).ok());
  EXPECT_EQ((*upload)->Append(Bytes("two")).code(), StatusCode::kInternal);
  EXPECT_EQ((*upload)->size(), 3u);
  EXPECT_TRUE((*upload)->Append(Bytes("three")).ok());  // one-shot
  EXPECT_EQ((*upload)->size(), 8u);
}

TEST_F(FaultyBlobStoreTest, ShortNthAppendKeepsOnlyThePrefix) {
  auto upload = store_->CreateUpload("a2");
  ASSERT_TRUE(upload.ok());
  store_->ShortNthAppend(1, 4);
  EXPECT_EQ((*upload)->Append(Bytes("abcdefgh")).code(), StatusCode::kInternal);
  EXPECT_EQ((*upload)->size(), 4u);
  auto current = (*upload)->CurrentDigest(oci::DigestAlgorithm::kSha256);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(*current, oci::Digest::Sha256Of("abcd"));
  // Committing what the client claimed fails and leaves nothing visible.
  oci::Digest claimed = oci::Digest::Sha256Of("abcdefgh");
  EXPECT_EQ((*upload)->Commit(claimed).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Stat(claimed).status().code(), StatusCode::kNotFound);
}

TEST_F(FaultyBlobStoreTest, FailNthCommitLeavesUploadResumable) {
  oci::Digest digest = oci::Digest::Sha256Of("payload");
  {
    auto upload = store_->CreateUpload("c1");
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE((*upload)->Append(Bytes("payload")).ok());
    store_->FailNthCommit(1);
    EXPECT_EQ((*upload)->Commit(digest).code(), StatusCode::kInternal);
  }
  EXPECT_EQ(store_->Stat(digest).status().code(), StatusCode::kNotFound);
  auto resumed = store_->ResumeUpload("c1");
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE((*resumed)->Commit(digest).ok());
  EXPECT_TRUE(store_->Stat(digest).ok());
  EXPECT_TRUE(UploadsEmpty());
}

TEST_F(FaultyBlobStoreTest, FailNthPut) {
  oci::Digest first = oci::Digest::Sha256Of("first");
  oci::Digest second = oci::Digest::Sha256Of("second");
  store_->FailNthPut(2);
  EXPECT_TRUE(store_->Put(first, "first").ok());
  EXPECT_EQ(store_->Put(second, "second").code(), StatusCode::kInternal);
  EXPECT_EQ(store_->Stat(second).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Put(second, "second").ok());
}

TEST_F(FaultyBlobStoreTest, CountsAcrossUploads) {
  auto a = store_->CreateUpload("aa");
  auto b = store_->CreateUpload("bb");
  ASSERT_TRUE(a.ok() && b.ok());
  store_->FailNthAppend(2);
  EXPECT_TRUE((*a)->Append(Bytes("x")).ok());
  EXPECT_EQ((*b)->Append(Bytes("y")).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace cangku::storage
