#include "storage/testing/faulty_blob_store.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <utility>

namespace cangku::storage {

struct FaultState {
  // One armed fault: fires on the `remaining`th call from now.
  struct Fault {
    int remaining = 0;  // 0: disarmed
    // True when this call is the one that fails.
    bool Tick() {
      if (remaining == 0) return false;
      return --remaining == 0;
    }
  };

  std::mutex mu;
  Fault append;              // guarded by mu
  size_t append_prefix = 0;  // guarded by mu; bytes a failing Append lets through
  Fault commit;              // guarded by mu
  Fault put;                 // guarded by mu

  bool Tick(Fault& fault) {
    std::lock_guard<std::mutex> lock(mu);
    return fault.Tick();
  }
  // nullopt: append normally; otherwise append this many bytes, then fail.
  std::optional<size_t> TickAppend() {
    std::lock_guard<std::mutex> lock(mu);
    if (!append.Tick()) return std::nullopt;
    return append_prefix;
  }
};

namespace {

Status Injected(std::string_view what) {
  return InternalError("injected fault: " + std::string(what));
}

class FaultyUpload final : public Upload {
 public:
  FaultyUpload(std::unique_ptr<Upload> inner, std::shared_ptr<FaultState> state)
      : inner_(std::move(inner)), state_(std::move(state)) {}

  const std::string& id() const override { return inner_->id(); }
  uint64_t size() const override { return inner_->size(); }
  Status Append(std::span<const char> data) override {
    std::optional<size_t> prefix = state_->TickAppend();
    if (!prefix) return inner_->Append(data);
    RETURN_IF_ERROR(inner_->Append(data.first(std::min(*prefix, data.size()))));
    return Injected("append");
  }
  StatusOr<oci::Digest> CurrentDigest(oci::DigestAlgorithm algorithm) override {
    return inner_->CurrentDigest(algorithm);
  }
  Status Commit(const oci::Digest& expected) override {
    if (state_->Tick(state_->commit)) return Injected("commit");
    return inner_->Commit(expected);
  }

 private:
  const std::unique_ptr<Upload> inner_;
  const std::shared_ptr<FaultState> state_;
};

}  // namespace

FaultyBlobStore::FaultyBlobStore(std::unique_ptr<BlobStore> inner)
    : inner_(std::move(inner)), state_(std::make_shared<FaultState>()) {}

FaultyBlobStore::~FaultyBlobStore() = default;

void FaultyBlobStore::FailNthAppend(int n) { ShortNthAppend(n, 0); }

void FaultyBlobStore::ShortNthAppend(int n, size_t prefix_bytes) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->append.remaining = n;
  state_->append_prefix = prefix_bytes;
}

void FaultyBlobStore::FailNthCommit(int n) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->commit.remaining = n;
}

void FaultyBlobStore::FailNthPut(int n) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->put.remaining = n;
}

StatusOr<BlobInfo> FaultyBlobStore::Stat(const oci::Digest& digest) { return inner_->Stat(digest); }

StatusOr<std::unique_ptr<BlobReader>> FaultyBlobStore::Open(const oci::Digest& digest) {
  return inner_->Open(digest);
}

Status FaultyBlobStore::Put(const oci::Digest& digest, std::string_view content) {
  if (state_->Tick(state_->put)) return Injected("put");
  return inner_->Put(digest, content);
}

Status FaultyBlobStore::Delete(const oci::Digest& digest) { return inner_->Delete(digest); }

Status FaultyBlobStore::Walk(const std::function<Status(const oci::Digest&, const BlobInfo&)>& fn) {
  return inner_->Walk(fn);
}

StatusOr<std::unique_ptr<Upload>> FaultyBlobStore::Wrap(StatusOr<std::unique_ptr<Upload>> upload) {
  if (!upload.ok()) return upload.status();
  return std::unique_ptr<Upload>(new FaultyUpload(*std::move(upload), state_));
}

StatusOr<std::unique_ptr<Upload>> FaultyBlobStore::CreateUpload(std::string_view id) {
  return Wrap(inner_->CreateUpload(id));
}

StatusOr<std::unique_ptr<Upload>> FaultyBlobStore::ResumeUpload(std::string_view id) {
  return Wrap(inner_->ResumeUpload(id));
}

Status FaultyBlobStore::DeleteUpload(std::string_view id) { return inner_->DeleteUpload(id); }

StatusOr<std::vector<UploadEntry>> FaultyBlobStore::ListUploads() { return inner_->ListUploads(); }

}  // namespace cangku::storage
