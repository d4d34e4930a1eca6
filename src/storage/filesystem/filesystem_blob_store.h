#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "storage/blob_store.h"
#include "storage/filesystem/background_sync.h"
#include "storage/paths.h"

namespace cangku::storage {

// BlobStore over a local directory (layout in storage/paths.h). Blobs reach blobs/ only by
// fsync + rename(2), so readers never see partial content. Thread-safe: the only shared state
// is the filesystem itself. Open() readers expose their descriptor for sendfile(2).
class FilesystemBlobStore final : public BlobStore {
 public:
  // Creates `root` and its subdirectories if needed and, with `remove_temporaries`, deletes the
  // Put temporaries a crash left in tmp/ (pass false from a maintenance tool that may run beside
  // a serving process, whose temporaries are live). Uploads are kept: they are resumable
  // sessions. Errors: from mkdir/readdir (kPermissionDenied, kInternal, ...).
  static StatusOr<std::unique_ptr<FilesystemBlobStore>> Create(std::string root,
                                                               bool remove_temporaries = true);

  StatusOr<BlobInfo> Stat(const oci::Digest& digest) override;
  StatusOr<std::unique_ptr<BlobReader>> Open(const oci::Digest& digest) override;
  Status Put(const oci::Digest& digest, std::string_view content) override;
  Status Delete(const oci::Digest& digest) override;
  Status Walk(const std::function<Status(const oci::Digest&, const BlobInfo&)>& fn) override;

  StatusOr<std::unique_ptr<Upload>> CreateUpload(std::string_view id) override;
  StatusOr<std::unique_ptr<Upload>> ResumeUpload(std::string_view id) override;
  Status DeleteUpload(std::string_view id) override;
  StatusOr<std::vector<UploadEntry>> ListUploads() override;

  const PathMapper& paths() const { return paths_; }

 private:
  explicit FilesystemBlobStore(std::string root) : paths_(std::move(root)) {}
  Status RemoveStaleTemporaries();
  Status WalkPrefix(const std::string& alg, const std::string& prefix,
                    const std::function<Status(const oci::Digest&, const BlobInfo&)>& fn);

  const PathMapper paths_;
  SystemRandom random_;  // thread-safe; names Put temporaries
  const std::shared_ptr<BackgroundSync> syncer_ = std::make_shared<BackgroundSync>();
};

}  // namespace cangku::storage
