#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "metadata/audit_store.h"

namespace cangku::auth {

// The audit log's writer: events are noted in memory (no I/O on the request path) and written in
// batches by Flush, which the server calls every second and at shutdown. At most `max_pending`
// events wait; beyond that new ones are dropped and counted (and the server logs the count).
// Thread-safe.
class AuditLog {
 public:
  AuditLog(metadata::AuditStore& store, const Clock& clock, size_t max_pending = 100000)
      : store_(store), clock_(clock), max_pending_(max_pending) {}

  // Notes an event; `time` is set to now when 0. Never blocks on I/O.
  void Record(metadata::AuditRecord record);
  // Writes the noted events in one transaction. On failure they are kept for the next try.
  // Blocking.
  Status Flush();
  // Events dropped because too many were pending, since the start.
  uint64_t dropped() const { return dropped_.load(); }

 private:
  metadata::AuditStore& store_;
  const Clock& clock_;
  const size_t max_pending_;

  std::mutex flush_mu_;  // one Flush at a time, so events are written in order
  std::mutex mu_;
  std::vector<metadata::AuditRecord> pending_;  // guarded by mu_
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace cangku::auth
