#pragma once

// A BlobStore decorator for tests: forwards to any driver and injects failures on request, so
// registry tests can show that nothing half-written becomes visible. Production code never
// references it (STYLE.md: fault injection lives in a wrapping fake, not in the driver).

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "storage/blob_store.h"

namespace cangku::storage {

// Counters and armed faults, shared by the store and the uploads it hands out (which may
// outlive it). Thread-safe.
struct FaultState;

class FaultyBlobStore final : public BlobStore {
 public:
  explicit FaultyBlobStore(std::unique_ptr<BlobStore> inner);
  ~FaultyBlobStore() override;

  // Each arms a one-shot fault on the `n`th (1-based) call of that kind counted from now,
  // across all uploads; arming again replaces the previous one. Failures are kInternal.
  // Append: nothing of that call's data reaches the inner upload.
  void FailNthAppend(int n);
  // Append: only the first `prefix_bytes` of that call's data are appended, then it fails.
  void ShortNthAppend(int n, size_t prefix_bytes);
  // Commit: fails before the inner Commit; the upload stays as it was (resumable).
  void FailNthCommit(int n);
  // Put: fails before the inner Put; nothing is stored.
  void FailNthPut(int n);

  BlobStore& inner() { return *inner_; }

  StatusOr<BlobInfo> Stat(const oci::Digest& digest) override;
  StatusOr<std::unique_ptr<BlobReader>> Open(const oci::Digest& digest) override;
  Status Put(const oci::Digest& digest, std::string_view content) override;
  Status Delete(const oci::Digest& digest) override;
  Status Walk(const std::function<Status(const oci::Digest&, const BlobInfo&)>& fn) override;

  StatusOr<std::unique_ptr<Upload>> CreateUpload(std::string_view id) override;
  StatusOr<std::unique_ptr<Upload>> ResumeUpload(std::string_view id) override;
  Status DeleteUpload(std::string_view id) override;
  StatusOr<std::vector<UploadEntry>> ListUploads() override;

 private:
  StatusOr<std::unique_ptr<Upload>> Wrap(StatusOr<std::unique_ptr<Upload>> upload);

  const std::unique_ptr<BlobStore> inner_;
  const std::shared_ptr<FaultState> state_;
};

}  // namespace cangku::storage
