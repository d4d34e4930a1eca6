#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <span>
#include <string>

#include "oci/digest.h"
#include "storage/blob_store.h"
#include "storage/filesystem/background_sync.h"
#include "storage/filesystem/posix_file.h"
#include "storage/paths.h"

namespace cangku::storage {

// An upload of the filesystem driver: uploads/<id> open for append, with a running SHA-256.
// Created by FilesystemBlobStore; independent of it afterwards (it may outlive the store).
class FilesystemUpload final : public Upload {
 public:
  // `fd` is uploads/<id> opened read-write for append, already holding `size` bytes whose
  // SHA-256 state is `digester`. `syncer` flushes the file in the background as it grows.
  FilesystemUpload(PathMapper paths, std::string id, ScopedFd fd, oci::Digester digester,
                   uint64_t size, std::shared_ptr<BackgroundSync> syncer);

  const std::string& id() const override { return id_; }
  uint64_t size() const override { return size_; }
  Status Append(std::span<const char> data) override;
  StatusOr<oci::Digest> CurrentDigest(oci::DigestAlgorithm algorithm) override;
  Status Commit(const oci::Digest& expected) override;

 private:
  void StartWriteback();
  // Deletes the upload's file and closes it; the upload is unusable afterwards.
  void Discard();
  Status CheckOpen() const;

  const PathMapper paths_;
  const std::string id_;
  ScopedFd fd_;  // invalid once committed or discarded
  oci::Digester digester_;
  uint64_t size_;
  uint64_t written_back_ = 0;  // bytes whose writeback StartWriteback has started
  const std::shared_ptr<BackgroundSync> syncer_;
  uint64_t synced_ = 0;                 // bytes covered by the latest background sync
  std::shared_future<void> last_sync_;  // that sync; Commit waits for it
};

}  // namespace cangku::storage
