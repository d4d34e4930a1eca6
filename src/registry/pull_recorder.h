#pragma once

#include <mutex>
#include <unordered_set>

#include "common/clock.h"
#include "common/status.h"
#include "metadata/lifecycle_store.h"
#include "registry/manifest_cache.h"

namespace cangku::registry {

// Notes manifest pulls in memory and writes their times to the metadata store in one batch per
// Flush, never on the request path. A manifest's record (CachedManifest, shared with the manifest
// cache) is noted once per kPullTimeResolutionSeconds period of the clock: the first GET of a
// period puts a handle to it into a set, the others cost a flag check. The owner (the server)
// calls Flush every few seconds from a thread of its own and once at shutdown. Pull times
// therefore lag by up to that period, and pulls noted after the last Flush of a crashed process
// are lost: retention treats a pull time as a hint, not a record. Thread-safe.
class PullRecorder {
 public:
  PullRecorder(metadata::LifecycleStore& store, const Clock& clock);
  PullRecorder(const PullRecorder&) = delete;
  PullRecorder& operator=(const PullRecorder&) = delete;

  // Notes a GET of `manifest` (of its repository). Never blocks on I/O.
  void Note(const CachedManifest& manifest);
  // Writes the pulls noted since the last Flush with the clock's time, in one transaction.
  // Blocking. On error the batch is put back (merged with newer notes) and the store's error
  // is returned.
  Status Flush();
  // How many distinct pulls wait for the next Flush.
  size_t pending() const;

 private:
  // A pull is its (repository, digest): records of the same manifest are one pull.
  struct PullHash {
    size_t operator()(const CachedManifest& m) const;
  };
  struct SamePull {
    bool operator()(const CachedManifest& a, const CachedManifest& b) const {
      return a.digest() == b.digest() && a.repository() == b.repository();
    }
  };
  using Pending = std::unordered_set<CachedManifest, PullHash, SamePull>;

  metadata::LifecycleStore& store_;
  const Clock& clock_;
  mutable std::mutex mu_;
  Pending pending_;  // guarded
};

}  // namespace cangku::registry
