#include "storage/filesystem/filesystem_blob_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "storage/testing/blob_store_conformance.h"
#include "storage/testing/faulty_blob_store.h"

namespace cangku::storage {
namespace {

namespace fs = std::filesystem;

// A directory made with mkdtemp under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/cangku-storage-XXXXXX";
    CANGKU_CHECK(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One parent directory for all stores the conformance factory makes, removed at exit.
std::unique_ptr<BlobStore> MakeTempStore() {
  static TempDir parent;
  static std::atomic<int> next{0};
  auto store = FilesystemBlobStore::Create(parent.path() + "/store-" + std::to_string(next++));
  CANGKU_CHECK(store.ok());
  return *std::move(store);
}

std::unique_ptr<BlobStore> MakeFaultyTempStore() {
  return std::make_unique<FaultyBlobStore>(MakeTempStore());
}

INSTANTIATE_TEST_SUITE_P(Filesystem, BlobStoreConformanceTest,
                         ::testing::Values(BlobStoreFactory(&MakeTempStore)));
INSTANTIATE_TEST_SUITE_P(FaultyUnarmed, BlobStoreConformanceTest,
                         ::testing::Values(BlobStoreFactory(&MakeFaultyTempStore)));

std::span<const char> Bytes(std::string_view s) { return {s.data(), s.size()}; }

void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

class FilesystemBlobStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<FilesystemBlobStore> MustCreate() {
    auto store = FilesystemBlobStore::Create(dir_.path());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? *std::move(store) : nullptr;
  }

  TempDir dir_;
};

TEST_F(FilesystemBlobStoreTest, CreateRemovesStaleTemporariesButKeepsUploads) {
  auto store = MustCreate();
  ASSERT_TRUE(store);
  auto upload = store->CreateUpload("0abc");
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->Append(Bytes("resumable")).ok());
  upload->reset();
  std::string stale = store->paths().TmpPath("deadbeef");
  WriteFile(stale, "half a blob");
  store.reset();

  store = MustCreate();
  ASSERT_TRUE(store);
  EXPECT_FALSE(fs::exists(stale));
  auto resumed = store->ResumeUpload("0abc");
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ((*resumed)->size(), 9u);
}

TEST_F(FilesystemBlobStoreTest, LayoutMatchesPaths) {
  auto store = MustCreate();
  ASSERT_TRUE(store);
  oci::Digest digest = oci::Digest::Sha256Of("layout");
  ASSERT_TRUE(store->Put(digest, "layout").ok());
  std::string expected = dir_.path() + "/blobs/sha256/" + std::string(digest.hex().substr(0, 2)) +
                         "/" + std::string(digest.hex());
  EXPECT_EQ(store->paths().BlobPath(digest), expected);
  EXPECT_TRUE(fs::is_regular_file(expected));
  EXPECT_TRUE(fs::is_empty(store->paths().TmpDir()));  // no temporaries left behind

  auto upload = store->CreateUpload("5e55-10");
  ASSERT_TRUE(upload.ok());
  EXPECT_TRUE(fs::is_regular_file(dir_.path() + "/uploads/5e55-10"));
}

TEST_F(FilesystemBlobStoreTest, BlobsSurviveReopen) {
  oci::Digest digest = oci::Digest::Sha256Of("durable");
  {
    auto store = MustCreate();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->Put(digest, "durable").ok());
  }
  auto store = MustCreate();
  ASSERT_TRUE(store);
  auto info = store->Stat(digest);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 7u);
}

// Large enough for two background syncs; the store goes away before the commit, which must
// still wait for the pending sync and land the blob.
TEST_F(FilesystemBlobStoreTest, Upload130MiBIn1MiBChunksOutlivesItsStore) {
  auto store = MustCreate();
  ASSERT_TRUE(store);
  auto upload = store->CreateUpload("b16");
  ASSERT_TRUE(upload.ok());
  std::string chunk(1 << 20, 'x');
  oci::Digester expected;
  for (int i = 0; i < 130; ++i) {
    chunk[0] = static_cast<char>(i);
    expected.Update(chunk);
    ASSERT_TRUE((*upload)->Append(Bytes(chunk)).ok());
  }
  EXPECT_EQ((*upload)->size(), 130u << 20);
  store.reset();
  ASSERT_TRUE((*upload)->Commit(expected.Current()).ok());
  store = MustCreate();
  ASSERT_TRUE(store);
  auto info = store->Stat(expected.Current());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 130u << 20);
}

TEST_F(FilesystemBlobStoreTest, WrongDigestAfterBackgroundSyncsDiscardsTheUpload) {
  auto store = MustCreate();
  ASSERT_TRUE(store);
  auto upload = store->CreateUpload("b17");
  ASSERT_TRUE(upload.ok());
  std::string chunk(1 << 20, 'y');
  for (int i = 0; i < 65; ++i) ASSERT_TRUE((*upload)->Append(Bytes(chunk)).ok());
  Status s = (*upload)->Commit(oci::Digester().Current());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(store->paths().UploadPath("b17")));
  auto entries = store->ListUploads();
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
}

TEST_F(FilesystemBlobStoreTest, CorruptedUploadIsCaughtOnResume) {
  auto store = MustCreate();
  ASSERT_TRUE(store);
  oci::Digest good = oci::Digest::Sha256Of("good content");
  {
    auto upload = store->CreateUpload("c0");
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE((*upload)->Append(Bytes("good content")).ok());
  }
  WriteFile(store->paths().UploadPath("c0"), "bad! content");  // bit rot while down
  auto resumed = store->ResumeUpload("c0");
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ((*resumed)->size(), 12u);
  EXPECT_EQ((*resumed)->Commit(good).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Stat(good).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(store->paths().UploadPath("c0")));
}

TEST_F(FilesystemBlobStoreTest, Sha512CommitRehashesTheFile) {
  auto store = MustCreate();
  ASSERT_TRUE(store);
  oci::Digester sha512(oci::DigestAlgorithm::kSha512);
  sha512.Update("good content");
  auto upload = store->CreateUpload("c1");
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->Append(Bytes("good content")).ok());
  // Overwrite in place (same inode), so the open upload sees the damage on re-read.
  int fd = ::open(store->paths().UploadPath("c1").c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "B", 1, 0), 1);
  ::close(fd);
  EXPECT_EQ((*upload)->Commit(sha512.Current()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Stat(sha512.Current()).status().code(), StatusCode::kNotFound);
}

TEST_F(FilesystemBlobStoreTest, ReaderExposesDescriptor) {
  auto store = MustCreate();
  ASSERT_TRUE(store);
  oci::Digest digest = oci::Digest::Sha256Of("sendfile me");
  ASSERT_TRUE(store->Put(digest, "sendfile me").ok());
  auto reader = store->Open(digest);
  ASSERT_TRUE(reader.ok());
  int fd = (*reader)->NativeHandle();
  ASSERT_GE(fd, 0);
  char buf[8] = {};
  ASSERT_EQ(::pread(fd, buf, 4, 9), 2);
  EXPECT_EQ(std::string(buf, 2), "me");
}

TEST_F(FilesystemBlobStoreTest, WalkAndListIgnoreStrayFiles) {
  auto store = MustCreate();
  ASSERT_TRUE(store);
  oci::Digest digest = oci::Digest::Sha256Of("real");
  ASSERT_TRUE(store->Put(digest, "real").ok());
  std::string blobs = store->paths().BlobsDir();
  fs::create_directories(blobs + "/sha256/zz");
  fs::create_directories(blobs + "/md5/ab");
  WriteFile(blobs + "/README", "x");
  WriteFile(blobs + "/sha256/zz/garbage", "x");
  WriteFile(blobs + "/sha256/zz/" + std::string(digest.hex()), "misplaced");
  WriteFile(blobs + "/md5/ab/ab00", "x");
  WriteFile(store->paths().UploadsDir() + "/NOT-AN-ID", "x");

  int count = 0;
  ASSERT_TRUE(store
                  ->Walk([&](const oci::Digest& d, const BlobInfo&) {
                    EXPECT_EQ(d, digest);
                    ++count;
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(count, 1);
  auto uploads = store->ListUploads();
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->empty());
}

TEST_F(FilesystemBlobStoreTest, CreateFailsWhereItCannotWrite) {
  WriteFile(dir_.path() + "/file", "not a directory");
  EXPECT_FALSE(FilesystemBlobStore::Create(dir_.path() + "/file/root").ok());
}

}  // namespace
}  // namespace cangku::storage
