#include "registry/pull_recorder.h"

#include <vector>

namespace cangku::registry {

PullRecorder::PullRecorder(metadata::LifecycleStore& store, const Clock& clock)
    : store_(store), clock_(clock) {}

void PullRecorder::Note(std::string_view repository, std::string_view digest) {
  std::lock_guard lock(mu_);
  pending_.emplace(repository, digest);
}

size_t PullRecorder::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

Status PullRecorder::Flush() {
  std::set<std::pair<std::string, std::string>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return OkStatus();
  std::vector<metadata::PullRow> rows;
  rows.reserve(batch.size());
  for (const auto& [repository, digest] : batch) {
    StatusOr<oci::Digest> parsed = oci::Digest::Parse(digest);
    if (parsed.ok()) rows.push_back({repository, *std::move(parsed)});
  }
  Status s = store_.RecordPulls(rows, UnixSeconds(clock_.Now()));
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    pending_.merge(batch);
  }
  return s;
}

}  // namespace cangku::registry
