#include "registry/upload_sessions.h"

#include <vector>

namespace cangku::registry {
namespace {

// Session ids look like UUIDs: 32 random hex digits in the 8-4-4-4-12 grouping.
std::string NewSessionId(Random& random) {
  std::string hex = random.Hex(16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace

void UploadLease::Reset() {
  if (session_) owner_->Release(std::exchange(session_, nullptr));
}

StatusOr<std::string> UploadSessions::Start(const std::string& repository) {
  auto session = std::make_shared<UploadSession>();
  session->id = NewSessionId(random_);
  session->repository = repository;
  ASSIGN_OR_RETURN(session->upload, blobs_.CreateUpload(session->id));
  Status s = metadata_.CreateUpload({session->id, repository, UnixSeconds(clock_.Now())});
  if (!s.ok()) {
    blobs_.DeleteUpload(session->id).IgnoreError();
    return s;
  }
  std::lock_guard lock(mu_);
  open_[session->id] = session;
  return session->id;
}

StatusOr<UploadLease> UploadSessions::StartEphemeral(const std::string& repository) {
  auto session = std::make_shared<UploadSession>();
  session->id = NewSessionId(random_);
  session->repository = repository;
  session->ephemeral = true;
  session->busy = true;
  ASSIGN_OR_RETURN(session->upload, blobs_.CreateUpload(session->id));
  std::lock_guard lock(mu_);
  open_[session->id] = session;
  return UploadLease(this, session);
}

StatusOr<UploadLease> UploadSessions::Acquire(const std::string& repository,
                                              const std::string& id) {
  auto unknown = [&] { return NotFoundError("upload " + id + " unknown to " + repository); };
  {
    std::lock_guard lock(mu_);
    auto it = open_.find(id);
    if (it != open_.end()) {
      auto& session = it->second;
      if (session->repository != repository || session->ephemeral) return unknown();
      if (session->busy.exchange(true)) return AbortedError("upload " + id + " is in use");
      return UploadLease(this, session);
    }
  }
  StatusOr<metadata::UploadRecord> record = metadata_.GetUpload(id);
  if (!record.ok()) {
    return record.status().code() == StatusCode::kNotFound ? unknown() : record.status();
  }
  if (record->repository != repository) return unknown();
  auto session = std::make_shared<UploadSession>();
  session->id = id;
  session->repository = repository;
  StatusOr<std::unique_ptr<storage::Upload>> upload = blobs_.ResumeUpload(id);
  if (!upload.ok()) {
    if (upload.status().code() != StatusCode::kNotFound) return upload.status();
    metadata_.DeleteUpload(id).IgnoreError();
    return unknown();
  }
  session->upload = std::move(*upload);
  std::lock_guard lock(mu_);
  auto [it, inserted] = open_.emplace(id, session);
  if (it->second->busy.exchange(true)) return AbortedError("upload " + id + " is in use");
  return UploadLease(this, it->second);
}

StatusOr<uint64_t> UploadSessions::Commit(UploadLease lease, const oci::Digest& digest) {
  CANGKU_CHECK(lease->upload != nullptr);
  uint64_t size = lease->upload->size();
  Status s = lease->upload->Commit(digest);
  if (s.ok() || s.code() == StatusCode::kInvalidArgument) {
    lease->upload.reset();
    if (!lease->ephemeral) metadata_.DeleteUpload(lease->id).IgnoreError();
  }
  if (!s.ok()) return s;
  return size;
}

Status UploadSessions::Cancel(const std::string& repository, const std::string& id) {
  ASSIGN_OR_RETURN(UploadLease lease, Acquire(repository, id));
  lease->upload.reset();
  Status s = blobs_.DeleteUpload(id);
  if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  return metadata_.DeleteUpload(id);
}

void UploadSessions::Release(const std::shared_ptr<UploadSession>& session) {
  if (session->upload && !session->ephemeral) {
    session->busy = false;
    return;
  }
  if (session->upload) {  // an ephemeral upload that did not commit
    session->upload.reset();
    blobs_.DeleteUpload(session->id).IgnoreError();
  }
  Forget(session->id);
}

void UploadSessions::Forget(const std::string& id) {
  std::lock_guard lock(mu_);
  open_.erase(id);
}

StatusOr<size_t> UploadSessions::ExpireSessions(std::chrono::system_clock::time_point before) {
  size_t removed = 0;
  ASSIGN_OR_RETURN(auto old, metadata_.ListUploadsBefore(UnixSeconds(before)));
  for (const auto& record : old) {
    if (Cancel(record.repository, record.id).ok()) ++removed;
  }
  return removed;
}

StatusOr<size_t> UploadSessions::RemoveOrphans(std::chrono::system_clock::time_point before) {
  size_t removed = 0;
  ASSIGN_OR_RETURN(auto entries, blobs_.ListUploads());
  for (const auto& entry : entries) {
    if (entry.modified >= before) continue;
    {
      std::lock_guard lock(mu_);
      if (open_.count(entry.id)) continue;
    }
    if (metadata_.GetUpload(entry.id).status().code() != StatusCode::kNotFound) continue;
    if (blobs_.DeleteUpload(entry.id).ok()) ++removed;
  }
  return removed;
}

}  // namespace cangku::registry
