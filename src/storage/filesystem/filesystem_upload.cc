#include "storage/filesystem/filesystem_upload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace cangku::storage {
namespace {

// Bounds a single write(2) so the digest is fed in steady, cache-friendly pieces; the data
// goes straight from the caller's buffer, so memory never grows with the blob.
constexpr size_t kMaxWrite = 1 << 20;

}  // namespace

FilesystemUpload::FilesystemUpload(PathMapper paths, std::string id, ScopedFd fd,
                                   oci::Digester digester, uint64_t size,
                                   std::shared_ptr<BackgroundSync> syncer)
    : paths_(std::move(paths)),
      id_(std::move(id)),
      fd_(std::move(fd)),
      digester_(std::move(digester)),
      size_(size),
      syncer_(std::move(syncer)) {}

Status FilesystemUpload::CheckOpen() const {
  if (!fd_.valid()) return FailedPreconditionError("upload " + id_ + " is finished");
  return OkStatus();
}

Status FilesystemUpload::Append(std::span<const char> data) {
  RETURN_IF_ERROR(CheckOpen());
  while (!data.empty()) {
    std::span<const char> piece = data.first(std::min(data.size(), kMaxWrite));
    size_t written = 0;
    Status status = WriteAll(fd_.get(), piece, &written);
    // Whatever reached the file is part of the upload, error or not.
    digester_.Update(piece.data(), written);
    size_ += written;
    RETURN_IF_ERROR(status);
    data = data.subspan(piece.size());
  }
  StartWriteback();
  return OkStatus();
}

// Keeps the file's way to stable storage moving while the upload streams in, so that the
// fsync of Commit waits only for the tail instead of the whole blob: writeback of dirty pages
// starts every few MiB (SYNC_FILE_RANGE_WRITE queues it and does not wait), and every few tens
// of MiB the background syncer flushes the file, device cache included, unless its previous
// flush of this file is still running. Best effort: a failure here changes nothing.
void FilesystemUpload::StartWriteback() {
  constexpr uint64_t kWritebackEvery = 8 << 20;
  constexpr uint64_t kSyncEvery = 64 << 20;
  if (size_ - written_back_ >= kWritebackEvery) {
    ::sync_file_range(fd_.get(), static_cast<off64_t>(written_back_),
                      static_cast<off64_t>(size_ - written_back_), SYNC_FILE_RANGE_WRITE);
    written_back_ = size_;
  }
  bool previous_done = !last_sync_.valid() ||
                       last_sync_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  if (size_ - synced_ >= kSyncEvery && previous_done) {
    last_sync_ = syncer_->Sync(fd_.get());
    synced_ = size_;
  }
}

StatusOr<oci::Digest> FilesystemUpload::CurrentDigest(oci::DigestAlgorithm algorithm) {
  RETURN_IF_ERROR(CheckOpen());
  if (algorithm == digester_.algorithm()) return digester_.Current();
  uint64_t size = 0;
  return HashFile(fd_.get(), algorithm, &size);
}

Status FilesystemUpload::Commit(const oci::Digest& expected) {
  ASSIGN_OR_RETURN(oci::Digest actual, CurrentDigest(expected.algorithm()));
  if (actual != expected) {
    Discard();
    return InvalidArgumentError("upload " + id_ + " has digest " + actual.str() + ", not " +
                                expected.str());
  }
  std::string target = paths_.BlobPath(expected);
  if (last_sync_.valid()) last_sync_.wait();
  if (TouchExisting(target)) {
    Discard();  // already stored: content-addressed, so identical
    return OkStatus();
  }
  RETURN_IF_ERROR(
      DurableRename(fd_.get(), paths_.UploadPath(id_), paths_.BlobDir(expected), target));
  fd_.Reset();
  return OkStatus();
}

void FilesystemUpload::Discard() {
  ::unlink(paths_.UploadPath(id_).c_str());
  fd_.Reset();
}

}  // namespace cangku::storage
