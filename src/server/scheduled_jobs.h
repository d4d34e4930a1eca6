#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "api/admin/admin_api.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "metadata/sql_metadata_store.h"
#include "registry/registry.h"
#include "server/config.h"
#include "server/scheduler.h"
#include "storage/blob_store.h"

namespace cangku::auth {
class AuditLog;
}
namespace cangku::policy {
class PolicyService;
}
namespace cangku::gc {
struct GcOptions;
struct GcReport;
}  // namespace cangku::gc
namespace cangku::retention {
struct RetentionOptions;
struct RetentionReport;
}  // namespace cangku::retention

namespace cangku::server {

// What the maintenance runs work with; every member must outlive them. `policies` is null when
// the policy feature is not built in; `audit` when authentication is off (then nothing is
// audited).
struct JobDeps {
  storage::BlobStore& blobs;
  metadata::SqlMetadataStore& metadata;
  registry::Registry& registry;
  policy::PolicyService* policies;
  auth::AuditLog* audit;
  const Clock& clock;
  Logger& logger;
};

// Who a run is audited as, and what the log calls it.
struct RunBy {
  std::string actor;    // "system" for scheduled runs
  std::string address;  // "scheduler", or the client's address
  std::string label;    // "scheduled gc", "gc by admin", ...
};

// Garbage collection and retention inside a serving registry, for the scheduler and the admin
// API alike: each run is logged and (unless a dry run) audited, and the registry forgets the
// cached manifests of the repositories it removed manifests from. At most one garbage
// collection runs at a time. Thread-safe; blocking (never on an I/O thread).
class MaintenanceRuns {
 public:
  explicit MaintenanceRuns(const JobDeps& deps) : deps_(deps) {}
  MaintenanceRuns(const MaintenanceRuns&) = delete;
  MaintenanceRuns& operator=(const MaintenanceRuns&) = delete;

  // Audits "gc.delete" per manifest removed and "gc.run" with the totals (or the failure).
  // Errors: kAborted while another collection runs (not audited); the collector's. Only with
  // CANGKU_FEATURE_GC.
  StatusOr<gc::GcReport> Gc(const gc::GcOptions& options, const RunBy& by);
  // Audits RetentionAuditRecords (or a failed "retention.run"). Errors: kFailedPrecondition
  // without the policy feature; the run's. Only with CANGKU_FEATURE_RETENTION.
  StatusOr<retention::RetentionReport> Retention(const retention::RetentionOptions& options,
                                                 const RunBy& by);

  const JobDeps& deps() const { return deps_; }

 private:
  void Audit(const RunBy& by, std::string action, std::string resource, std::string result,
             std::string detail) const;

  const JobDeps deps_;
  std::atomic<bool> gc_running_{false};
};

// The admin API's hooks onto `runs` (which must outlive them), auditing as the caller: empty
// for a feature this build lacks.
api::admin::MaintenanceHooks AdminHooks(MaintenanceRuns& runs);

// The scheduler of the jobs `config` schedules over `runs` (which must outlive it): garbage
// collection at gc.schedule, retention at retention.schedule (cron expressions, UTC). nullptr
// when neither is set. Errors: kFailedPrecondition when a schedule names a feature this build
// lacks.
StatusOr<std::unique_ptr<Scheduler>> MakeScheduler(const Config& config, MaintenanceRuns& runs);

}  // namespace cangku::server
