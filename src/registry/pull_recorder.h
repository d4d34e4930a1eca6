#pragma once

#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "common/clock.h"
#include "common/status.h"
#include "metadata/lifecycle_store.h"
#include "oci/digest.h"

namespace cangku::registry {

// Notes manifest pulls in memory and writes their times to the metadata store in one batch per
// Flush, so that a GET costs a set insertion, never a database write. The owner (the server)
// calls Flush every few seconds from a thread of its own and once at shutdown. Pull times
// therefore lag by up to that period, and pulls noted after the last Flush of a crashed process
// are lost: retention treats a pull time as a hint, not a record. Thread-safe.
class PullRecorder {
 public:
  PullRecorder(metadata::LifecycleStore& store, const Clock& clock);
  PullRecorder(const PullRecorder&) = delete;
  PullRecorder& operator=(const PullRecorder&) = delete;

  // Notes a GET of the manifest `digest`. Never blocks on I/O.
  void Note(std::string_view repository, std::string_view digest);
  // Writes the pulls noted since the last Flush with the clock's time, in one transaction.
  // Blocking. On error the batch is put back (merged with newer notes) and the store's error
  // is returned.
  Status Flush();
  // How many distinct pulls wait for the next Flush.
  size_t pending() const;

 private:
  metadata::LifecycleStore& store_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::set<std::pair<std::string, std::string>> pending_;  // (repository, digest); guarded
};

}  // namespace cangku::registry
