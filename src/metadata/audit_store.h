#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace cangku::metadata {

// One audited event: who did what, from where, when, and how it ended.
struct AuditRecord {
  int64_t id = 0;    // assigned by the store, increasing
  int64_t time = 0;  // Unix seconds
  std::string actor;      // user or robot name; "" for an anonymous client
  std::string address;    // the client's address
  std::string action;     // "push", "pull", "delete", "login", "user.create", "gc.run", ...
  std::string project;    // "" when the event concerns no project
  std::string resource;   // what was acted on ("library/debian:12", "user alice", ...)
  std::string result;     // "ok", "denied", "failed"
  std::string detail;     // free text (error message, freed bytes, ...)
};

// A page of the audit log, newest first. Zero/empty filters match everything.
struct AuditQuery {
  int64_t before_id = 0;  // only entries with id < before_id (0: from the newest)
  int limit = 100;        // > 0
  std::string actor;
  std::string project;
  std::string action;
  int64_t since = 0;  // time >= since
  int64_t until = 0;  // time < until (0: no bound)
};

// The audit log: append-only. Thread-safe and blocking.
class AuditStore {
 public:
  virtual ~AuditStore() = default;
  // Appends the records in one transaction (their `id` is ignored).
  virtual Status AppendAudit(const std::vector<AuditRecord>& records) = 0;
  // The matching records, newest (highest id) first, at most query.limit of them.
  virtual StatusOr<std::vector<AuditRecord>> QueryAudit(const AuditQuery& query) = 0;
};

}  // namespace cangku::metadata
