#pragma once

#include <memory>

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

namespace cangku::server {

// What the scheduled jobs work with; every member must outlive the scheduler. `policies` is null
// when the policy feature is not built in; `audit` when authentication is off (then nothing is
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

// The scheduler of the jobs `config` schedules: garbage collection at gc.schedule, retention at
// retention.schedule (cron expressions, UTC). nullptr when neither is set. Errors:
// kFailedPrecondition when a schedule names a feature this build lacks.
StatusOr<std::unique_ptr<Scheduler>> MakeScheduler(const Config& config, const JobDeps& deps);

}  // namespace cangku::server
