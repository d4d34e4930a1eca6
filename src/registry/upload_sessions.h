#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "metadata/metadata_store.h"
#include "storage/blob_store.h"

namespace cangku::registry {

// An open upload session. Obtained from UploadSessions::Acquire, which grants the caller
// exclusive use until the lease is destroyed.
struct UploadSession {
  std::string id;
  std::string repository;
  std::unique_ptr<storage::Upload> upload;  // null once committed or cancelled
  bool ephemeral = false;                   // a single-request upload, not recorded
  std::atomic<bool> busy{false};
};

class UploadSessions;

// Exclusive use of one session for the duration of a request.
class UploadLease {
 public:
  UploadLease(UploadSessions* owner, std::shared_ptr<UploadSession> session)
      : owner_(owner), session_(std::move(session)) {}
  ~UploadLease() { Reset(); }
  UploadLease(UploadLease&&) = default;
  // Gives the session back before the lease goes out of scope (say, before answering the
  // client, who may send the next request on another connection at once).
  void Reset();
  UploadLease& operator=(UploadLease&&) = delete;

  UploadSession& operator*() const { return *session_; }
  UploadSession* operator->() const { return session_.get(); }

 private:
  UploadSessions* owner_;
  std::shared_ptr<UploadSession> session_;
};

// Upload sessions: their records live in the metadata store (so a session outlives a restart),
// their bytes in the blob store, and the open writers here. Thread-safe; every method blocks.
class UploadSessions {
 public:
  UploadSessions(storage::BlobStore& blobs, metadata::MetadataStore& metadata, const Clock& clock,
                 Random& random)
      : blobs_(blobs), metadata_(metadata), clock_(clock), random_(random) {}

  // Starts a session in `repository`; returns its id.
  StatusOr<std::string> Start(const std::string& repository);
  // Starts an unrecorded session for a single-request upload (never resumable).
  StatusOr<UploadLease> StartEphemeral(const std::string& repository);
  // Takes exclusive use of a session. Errors: kNotFound (unknown, cancelled or finished, or of
  // another repository); kAborted when another request is using it.
  StatusOr<UploadLease> Acquire(const std::string& repository, const std::string& id);
  // Commits the leased session's content as `digest` and ends the session.
  // Errors: kInvalidArgument on digest mismatch (the session ends too).
  StatusOr<uint64_t> Commit(UploadLease lease, const oci::Digest& digest);
  // Ends a session and discards its content. Errors: kNotFound.
  Status Cancel(const std::string& repository, const std::string& id);
  // Removes sessions started before `before`. Returns how many were removed.
  StatusOr<size_t> ExpireSessions(std::chrono::system_clock::time_point before);
  // Removes blob-store uploads last written before `before` that have no session (left by a
  // crash during a single-request upload). Returns how many were removed.
  StatusOr<size_t> RemoveOrphans(std::chrono::system_clock::time_point before);

 private:
  friend class UploadLease;
  void Release(const std::shared_ptr<UploadSession>& session);
  void Forget(const std::string& id);

  storage::BlobStore& blobs_;
  metadata::MetadataStore& metadata_;
  const Clock& clock_;
  Random& random_;

  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<UploadSession>> open_;  // guarded by mu_
};

}  // namespace cangku::registry
