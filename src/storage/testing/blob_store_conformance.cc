#include "storage/testing/blob_store_conformance.h"

#include <atomic>
#include <map>
#include <thread>
#include <vector>

namespace cangku::storage {
namespace {

using oci::Digest;
using oci::DigestAlgorithm;

Digest Sha256(std::string_view data) { return Digest::Sha256Of(data); }

Digest Sha512(std::string_view data) {
  oci::Digester digester(DigestAlgorithm::kSha512);
  digester.Update(data);
  return digester.Current();
}

std::span<const char> Bytes(std::string_view s) { return {s.data(), s.size()}; }

std::string Pattern(size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return out;
}

}  // namespace

void BlobStoreConformanceTest::SetUp() {
  store_ = GetParam()();
  ASSERT_NE(store_, nullptr);
}

Digest BlobStoreConformanceTest::MustPut(std::string_view content) {
  Digest digest = Sha256(content);
  Status status = store_->Put(digest, content);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return digest;
}

int BlobStoreConformanceTest::CountBlobs() {
  int count = 0;
  Status s = store_->Walk([&](const oci::Digest&, const BlobInfo&) {
    ++count;
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return count;
}

std::string BlobStoreConformanceTest::ReadBlob(const Digest& digest, size_t chunk) {
  auto reader = store_->Open(digest);
  if (!reader.ok()) {
    ADD_FAILURE() << reader.status().ToString();
    return "";
  }
  std::string out;
  std::string buf(chunk, '\0');
  while (true) {
    auto n = (*reader)->ReadAt(out.size(), std::span<char>(buf.data(), buf.size()));
    if (!n.ok()) {
      ADD_FAILURE() << n.status().ToString();
      return out;
    }
    if (*n == 0) break;
    out.append(buf.data(), *n);
  }
  EXPECT_EQ(out.size(), (*reader)->size());
  return out;
}

Status BlobStoreConformanceTest::UploadWhole(std::string_view id, std::string_view content) {
  ASSIGN_OR_RETURN(std::unique_ptr<Upload> upload, store_->CreateUpload(id));
  RETURN_IF_ERROR(upload->Append(Bytes(content)));
  return upload->Commit(Sha256(content));
}

TEST_P(BlobStoreConformanceTest, PutStatOpenRead) {
  Digest digest = MustPut("hello, blob");
  auto info = store_->Stat(digest);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, 11u);
  EXPECT_EQ(ReadBlob(digest), "hello, blob");
  EXPECT_EQ(ReadBlob(digest, 3), "hello, blob");
}

TEST_P(BlobStoreConformanceTest, ReadRanges) {
  std::string content = Pattern(10000);
  Digest digest = MustPut(content);
  auto reader = store_->Open(digest);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), content.size());
  char buf[100];
  auto n = (*reader)->ReadAt(5000, buf);
  ASSERT_TRUE(n.ok());
  ASSERT_GT(*n, 0u);
  EXPECT_EQ(std::string_view(buf, *n), std::string_view(content).substr(5000, *n));
  n = (*reader)->ReadAt(9990, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_LE(*n, 10u);
  EXPECT_EQ(std::string_view(buf, *n), std::string_view(content).substr(9990, *n));
  n = (*reader)->ReadAt(10000, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  n = (*reader)->ReadAt(1 << 30, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST_P(BlobStoreConformanceTest, EmptyBlob) {
  Digest digest = MustPut("");
  auto info = store_->Stat(digest);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 0u);
  EXPECT_EQ(ReadBlob(digest), "");
}

TEST_P(BlobStoreConformanceTest, PutTwiceIsFine) {
  MustPut("same");
  MustPut("same");
  EXPECT_EQ(CountBlobs(), 1);
}

TEST_P(BlobStoreConformanceTest, PutRejectsWrongDigest) {
  Digest wrong = Sha256("other");
  EXPECT_EQ(store_->Put(wrong, "content").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Stat(wrong).status().code(), StatusCode::kNotFound);
}

TEST_P(BlobStoreConformanceTest, PutSha512) {
  Digest digest = Sha512("five twelve");
  ASSERT_TRUE(store_->Put(digest, "five twelve").ok());
  EXPECT_EQ(ReadBlob(digest), "five twelve");
  EXPECT_EQ(store_->Stat(Sha256("five twelve")).status().code(), StatusCode::kNotFound);
}

TEST_P(BlobStoreConformanceTest, NotFoundCodes) {
  Digest missing = Sha256("missing");
  EXPECT_EQ(store_->Stat(missing).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Open(missing).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(missing).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ResumeUpload("abc").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteUpload("abc").code(), StatusCode::kNotFound);
}

TEST_P(BlobStoreConformanceTest, Delete) {
  Digest digest = MustPut("to delete");
  ASSERT_TRUE(store_->Delete(digest).ok());
  EXPECT_EQ(store_->Stat(digest).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Open(digest).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(digest).code(), StatusCode::kNotFound);
  MustPut("to delete");  // can come back
  EXPECT_EQ(ReadBlob(digest), "to delete");
}

TEST_P(BlobStoreConformanceTest, UploadAppendCommit) {
  auto upload = store_->CreateUpload("0123-abcd");
  ASSERT_TRUE(upload.ok()) << upload.status().ToString();
  EXPECT_EQ((*upload)->id(), "0123-abcd");
  EXPECT_EQ((*upload)->size(), 0u);
  ASSERT_TRUE((*upload)->Append(Bytes("hello, ")).ok());
  ASSERT_TRUE((*upload)->Append(Bytes("")).ok());
  ASSERT_TRUE((*upload)->Append(Bytes("world")).ok());
  EXPECT_EQ((*upload)->size(), 12u);
  auto current = (*upload)->CurrentDigest(DigestAlgorithm::kSha256);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(*current, Sha256("hello, world"));
  ASSERT_TRUE((*upload)->Commit(Sha256("hello, world")).ok());
  EXPECT_EQ(ReadBlob(Sha256("hello, world")), "hello, world");
  auto uploads = store_->ListUploads();
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->empty());
  EXPECT_EQ(store_->ResumeUpload("0123-abcd").status().code(), StatusCode::kNotFound);
}

TEST_P(BlobStoreConformanceTest, UploadSha512) {
  auto upload = store_->CreateUpload("512");
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->Append(Bytes("long ")).ok());
  ASSERT_TRUE((*upload)->Append(Bytes("hash")).ok());
  auto current = (*upload)->CurrentDigest(DigestAlgorithm::kSha512);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(*current, Sha512("long hash"));
  ASSERT_TRUE((*upload)->Commit(Sha512("long hash")).ok());
  EXPECT_EQ(ReadBlob(Sha512("long hash")), "long hash");
}

TEST_P(BlobStoreConformanceTest, EmptyUpload) {
  ASSERT_TRUE(UploadWhole("e", "").ok());
  EXPECT_EQ(ReadBlob(Sha256("")), "");
}

TEST_P(BlobStoreConformanceTest, ManyChunksReadBack) {
  std::string content = Pattern(3 * 1024 * 1024 + 17);
  auto upload = store_->CreateUpload("b19");
  ASSERT_TRUE(upload.ok());
  for (size_t off = 0; off < content.size(); off += 65536) {
    std::string_view piece = std::string_view(content).substr(off, 65536);
    ASSERT_TRUE((*upload)->Append(Bytes(piece)).ok());
  }
  EXPECT_EQ((*upload)->size(), content.size());
  ASSERT_TRUE((*upload)->Commit(Sha256(content)).ok());
  EXPECT_TRUE(ReadBlob(Sha256(content), 1 << 20) == content);
}

TEST_P(BlobStoreConformanceTest, ResumeUpload) {
  {
    auto upload = store_->CreateUpload("7e57");
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE((*upload)->Append(Bytes("first half, ")).ok());
  }  // the session object goes away, as after a restart
  auto resumed = store_->ResumeUpload("7e57");
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ((*resumed)->size(), 12u);
  auto current = (*resumed)->CurrentDigest(DigestAlgorithm::kSha256);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(*current, Sha256("first half, "));
  ASSERT_TRUE((*resumed)->Append(Bytes("second half")).ok());
  ASSERT_TRUE((*resumed)->Commit(Sha256("first half, second half")).ok());
  EXPECT_EQ(ReadBlob(Sha256("first half, second half")), "first half, second half");
}

TEST_P(BlobStoreConformanceTest, CommitMismatchDiscardsUpload) {
  auto upload = store_->CreateUpload("bad");
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->Append(Bytes("actual")).ok());
  EXPECT_EQ((*upload)->Commit(Sha256("claimed")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Stat(Sha256("claimed")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Stat(Sha256("actual")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ResumeUpload("bad").status().code(), StatusCode::kNotFound);
  auto uploads = store_->ListUploads();
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->empty());
}

TEST_P(BlobStoreConformanceTest, CommitOfStoredBlobSucceeds) {
  Digest digest = MustPut("already here");
  ASSERT_TRUE(UploadWhole("d0b", "already here").ok());
  EXPECT_EQ(ReadBlob(digest), "already here");
  auto uploads = store_->ListUploads();
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->empty());
}

TEST_P(BlobStoreConformanceTest, DuplicateUploadId) {
  auto first = store_->CreateUpload("abc");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(store_->CreateUpload("abc").status().code(), StatusCode::kAlreadyExists);
}

TEST_P(BlobStoreConformanceTest, DeleteUpload) {
  auto upload = store_->CreateUpload("d1");
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->Append(Bytes("abandoned")).ok());
  ASSERT_TRUE(store_->DeleteUpload("d1").ok());
  EXPECT_EQ(store_->ResumeUpload("d1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteUpload("d1").code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->CreateUpload("d1").ok());  // the id is free again
}

TEST_P(BlobStoreConformanceTest, BadUploadIds) {
  for (std::string_view id : {"", "ABC", "xyz", "../etc", "a/b", ".", "..", "a b", "a\n"}) {
    EXPECT_EQ(store_->CreateUpload(id).status().code(), StatusCode::kInvalidArgument) << id;
    EXPECT_EQ(store_->ResumeUpload(id).status().code(), StatusCode::kInvalidArgument) << id;
    EXPECT_EQ(store_->DeleteUpload(id).code(), StatusCode::kInvalidArgument) << id;
  }
  std::string too_long(65, 'a');
  EXPECT_EQ(store_->CreateUpload(too_long).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->CreateUpload(std::string(64, 'f')).ok());
  EXPECT_TRUE(store_->CreateUpload("-").ok());
}

TEST_P(BlobStoreConformanceTest, ConcurrentCommitsOfSameContent) {
  constexpr int kThreads = 8;
  std::string content = Pattern(256 * 1024);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Status status = UploadWhole("c0" + std::to_string(i), content);
      if (!status.ok()) {
        ++failures;
        ADD_FAILURE() << status.ToString();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(CountBlobs(), 1);
  EXPECT_TRUE(ReadBlob(Sha256(content)) == content);
  auto uploads = store_->ListUploads();
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->empty());
}

TEST_P(BlobStoreConformanceTest, ConcurrentPutsOfSameContent) {
  std::string content = Pattern(64 * 1024);
  Digest digest = Sha256(content);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (!store_->Put(digest, content).ok()) ++failures;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(ReadBlob(digest) == content);
}

TEST_P(BlobStoreConformanceTest, Walk) {
  std::map<Digest, uint64_t> expected = {
      {MustPut("a"), 1}, {MustPut("bb"), 2}, {MustPut(Pattern(5000)), 5000}};
  Digest sha512 = Sha512("wide");
  ASSERT_TRUE(store_->Put(sha512, "wide").ok());
  expected[sha512] = 4;
  auto upload = store_->CreateUpload("0ab10b");  // uploads are not blobs
  ASSERT_TRUE(upload.ok());
  ASSERT_TRUE((*upload)->Append(Bytes("pending")).ok());

  std::map<Digest, uint64_t> seen;
  Status status = store_->Walk([&](const Digest& digest, const BlobInfo& info) {
    EXPECT_EQ(seen.count(digest), 0u) << digest.str();
    seen[digest] = info.size;
    return OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(seen, expected);
}

TEST_P(BlobStoreConformanceTest, WalkStopsAtFirstError) {
  MustPut("one");
  MustPut("two");
  int calls = 0;
  Status status = store_->Walk([&](const Digest&, const BlobInfo&) {
    ++calls;
    return AbortedError("stop");
  });
  EXPECT_EQ(status.code(), StatusCode::kAborted);
  EXPECT_EQ(calls, 1);
}

TEST_P(BlobStoreConformanceTest, WalkEmptyStore) {
  Status status = store_->Walk([](const Digest& d, const BlobInfo&) {
    ADD_FAILURE() << d.str();
    return OkStatus();
  });
  EXPECT_TRUE(status.ok());
}

TEST_P(BlobStoreConformanceTest, ListUploads) {
  auto a = store_->CreateUpload("aaaa");
  auto b = store_->CreateUpload("bbbb-1");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*b)->Append(Bytes("12345")).ok());
  auto uploads = store_->ListUploads();
  ASSERT_TRUE(uploads.ok());
  std::map<std::string, uint64_t> sizes;
  for (const UploadEntry& entry : *uploads) {
    sizes[entry.id] = entry.size;
    EXPECT_GT(entry.modified.time_since_epoch().count(), 0);
  }
  EXPECT_EQ(sizes, (std::map<std::string, uint64_t>{{"aaaa", 0}, {"bbbb-1", 5}}));
}

}  // namespace cangku::storage
