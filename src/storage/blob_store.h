#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "oci/digest.h"

namespace cangku::storage {

struct BlobInfo {
  uint64_t size = 0;
  std::chrono::system_clock::time_point modified;
};

// Read access to one committed blob. Not thread-safe: one reader per request.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual uint64_t size() const = 0;
  // Reads up to buf.size() bytes starting at `offset`; returns 0 only at the end.
  // Errors: kInternal / kDataLoss on I/O failure.
  virtual StatusOr<size_t> ReadAt(uint64_t offset, std::span<char> buf) = 0;
  // A file descriptor the HTTP layer may sendfile(2) from, or -1 when the driver has none.
  // Owned by the reader; valid while it lives.
  virtual int NativeHandle() const { return -1; }
};

// An upload in progress: content appended across requests and hashed incrementally, then
// committed into the store under its digest. Not thread-safe: the registry serializes the
// requests of one upload session.
class Upload {
 public:
  virtual ~Upload() = default;
  virtual const std::string& id() const = 0;
  // Bytes appended so far.
  virtual uint64_t size() const = 0;
  // Appends `data` (no fsync). On error the upload keeps whatever reached it; size() tells.
  virtual Status Append(std::span<const char> data) = 0;
  // The digest of everything appended so far, in `algorithm`.
  virtual StatusOr<oci::Digest> CurrentDigest(oci::DigestAlgorithm algorithm) = 0;
  // Verifies the content hashes to `expected`, makes it durable (fsync) and moves it
  // atomically to its content address; the upload is gone afterwards. If the blob is already
  // stored the upload is discarded and the call succeeds (concurrent pushes of one blob end as
  // one blob). Errors: kInvalidArgument when the digest does not match (the upload is
  // discarded); kInternal on I/O failure (the upload is kept and may be committed again);
  // kNotFound when the upload was deleted meanwhile; kFailedPrecondition after the upload
  // was committed or discarded (also for Append and CurrentDigest).
  virtual Status Commit(const oci::Digest& expected) = 0;
};

struct UploadEntry {
  std::string id;
  uint64_t size = 0;
  std::chrono::system_clock::time_point modified;
};

// Content-addressed blob storage (the filesystem driver, S3 later). Blobs are global; which
// repository may see them is the metadata store's business. All methods are thread-safe.
// Upload ids are [0-9a-f-]{1,64}; anything else is kInvalidArgument.
class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Errors: kNotFound.
  virtual StatusOr<BlobInfo> Stat(const oci::Digest& digest) = 0;
  // Errors: kNotFound.
  virtual StatusOr<std::unique_ptr<BlobReader>> Open(const oci::Digest& digest) = 0;
  // Stores small content whole (the caller computed `digest` from it). Atomic and durable;
  // succeeds without rewriting when the blob is already stored. Errors: kInvalidArgument when
  // `content` does not hash to `digest` (nothing is stored).
  virtual Status Put(const oci::Digest& digest, std::string_view content) = 0;
  // Errors: kNotFound.
  virtual Status Delete(const oci::Digest& digest) = 0;
  // Calls `fn` for every stored blob, in no particular order. Stops at the first error `fn`
  // returns and returns it.
  virtual Status Walk(const std::function<Status(const oci::Digest&, const BlobInfo&)>& fn) = 0;

  // Starts an empty upload. Errors: kAlreadyExists.
  virtual StatusOr<std::unique_ptr<Upload>> CreateUpload(std::string_view id) = 0;
  // Reopens an upload after a restart, re-hashing what it holds. Errors: kNotFound.
  virtual StatusOr<std::unique_ptr<Upload>> ResumeUpload(std::string_view id) = 0;
  // Discards an upload's content. Errors: kNotFound.
  virtual Status DeleteUpload(std::string_view id) = 0;
  // Every upload's temp content, for expiry of abandoned sessions.
  virtual StatusOr<std::vector<UploadEntry>> ListUploads() = 0;
};

}  // namespace cangku::storage
