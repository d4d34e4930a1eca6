#include "registry/pull_recorder.h"

#include <vector>

namespace cangku::registry {

size_t PullRecorder::PullHash::operator()(const CachedManifest& m) const {
  const std::hash<std::string_view> hash;
  return hash(m.digest()) ^ (hash(m.repository()) * 31);
}

PullRecorder::PullRecorder(metadata::LifecycleStore& store, const Clock& clock)
    : store_(store), clock_(clock) {}

void PullRecorder::Note(const CachedManifest& manifest) {
  // Noted in this period already: written, or waiting to be, and its time would not move.
  const auto period =
      static_cast<uint32_t>(UnixSeconds(clock_.Now()) / metadata::kPullTimeResolutionSeconds);
  if (!manifest.MarkNoted(period)) return;
  std::lock_guard lock(mu_);
  pending_.insert(manifest);
}

size_t PullRecorder::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

Status PullRecorder::Flush() {
  Pending batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return OkStatus();
  std::vector<metadata::PullRow> rows;
  rows.reserve(batch.size());
  for (const CachedManifest& m : batch) rows.push_back({m.repository(), m.digest()});
  Status s = store_.RecordPulls(rows, UnixSeconds(clock_.Now()));
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    pending_.merge(batch);
  }
  return s;
}

}  // namespace cangku::registry
