#include "server/scheduled_jobs.h"

#include "auth/audit_log.h"
#include "server/retention_command.h"
#ifdef CANGKU_FEATURE_GC
#include "features/gc/garbage_collector.h"
#endif
#ifdef CANGKU_FEATURE_RETENTION
#include "features/retention/retention.h"
#endif

namespace cangku::server {
namespace {

void Audit(const JobDeps& deps, std::string action, std::string resource, std::string result,
           std::string detail) {
  if (!deps.audit) return;
  metadata::AuditRecord r;
  r.actor = "system";
  r.address = "scheduler";
  r.action = std::move(action);
  r.project = resource.substr(0, resource.find('/'));
  r.resource = std::move(resource);
  r.result = std::move(result);
  r.detail = std::move(detail);
  deps.audit->Record(std::move(r));
}

#ifdef CANGKU_FEATURE_GC
void RunGc(const Config& config, const JobDeps& deps) {
  gc::GcOptions options;
  options.grace = std::chrono::seconds(config.gc_grace_s);
  options.delete_untagged = config.gc_delete_untagged;
  gc::GarbageCollector collector(deps.blobs, deps.metadata, deps.clock);
  StatusOr<gc::GcReport> report = collector.Run(options);
  if (!report.ok()) {
    deps.logger.error("scheduled gc failed: {}", report.status().ToString());
    Audit(deps, "gc.run", "", "failed", report.status().ToString());
    return;
  }
  for (const std::string& m : report->manifests) {
    deps.registry.ForgetCachedManifests(m.substr(0, m.find('@')));
    Audit(deps, "gc.delete", m, "ok", "manifest");
  }
  std::string summary = fmt::format("{} manifests, {} links, {} blobs deleted; {} bytes freed",
                                    report->manifests.size(), report->links.size(),
                                    report->blobs.size(), report->bytes_freed);
  deps.logger.info("scheduled gc: {}", summary);
  Audit(deps, "gc.run", "", "ok", summary);
}
#endif

#ifdef CANGKU_FEATURE_RETENTION
void RunRetention(const Config& config, const JobDeps& deps) {
  retention::RetentionOptions options;
  options.grace = std::chrono::seconds(config.retention_grace_s);
  retention::Retention retention(deps.metadata, *deps.policies, deps.clock);
  StatusOr<retention::RetentionReport> report = retention.Run(options);
  if (!report.ok()) {
    deps.logger.error("scheduled retention failed: {}", report.status().ToString());
    Audit(deps, "retention.run", "", "failed", report.status().ToString());
    return;
  }
  for (const retention::Removal& r : report->removed) {
    deps.registry.ForgetCachedManifests(r.repository);
  }
  std::vector<metadata::AuditRecord> records =
      RetentionAuditRecords(*report, "system", "scheduler");
  deps.logger.info("scheduled retention: {}", records.back().detail);
  if (deps.audit) {
    for (metadata::AuditRecord& record : records) deps.audit->Record(std::move(record));
  }
}
#endif

}  // namespace

StatusOr<std::unique_ptr<Scheduler>> MakeScheduler(const Config& config, const JobDeps& deps) {
  if (config.gc_schedule.empty() && config.retention_schedule.empty()) {
    return std::unique_ptr<Scheduler>();
  }
  auto scheduler = std::make_unique<Scheduler>(deps.clock, deps.logger);
  if (!config.gc_schedule.empty()) {
#ifdef CANGKU_FEATURE_GC
    ASSIGN_OR_RETURN(CronSchedule schedule, CronSchedule::Parse(config.gc_schedule));
    scheduler->Add("gc", std::move(schedule), [config, deps] { RunGc(config, deps); });
#else
    return FailedPreconditionError("gc.schedule is set but garbage collection is not built in");
#endif
  }
  if (!config.retention_schedule.empty()) {
#ifdef CANGKU_FEATURE_RETENTION
    if (!deps.policies) return FailedPreconditionError("retention needs the policy feature");
    ASSIGN_OR_RETURN(CronSchedule schedule, CronSchedule::Parse(config.retention_schedule));
    scheduler->Add("retention", std::move(schedule),
                   [config, deps] { RunRetention(config, deps); });
#else
    return FailedPreconditionError("retention.schedule is set but retention is not built in");
#endif
  }
  return scheduler;
}

}  // namespace cangku::server
