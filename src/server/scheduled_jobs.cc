#include "server/scheduled_jobs.h"

#include "auth/admin/admin_context.h"
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

[[maybe_unused]] RunBy Scheduled(const char* label) { return RunBy{"system", "scheduler", label}; }

// The caller of the admin API as the audit log names it.
[[maybe_unused]] RunBy ByCaller(const auth::admin::Actor& actor, const char* what) {
  std::string name = auth::admin::AuditName(actor);
  return RunBy{name, actor.address, std::string(what) + " by " + name};
}

// Clears a flag when it goes out of scope.
class ClearOnExit {
 public:
  explicit ClearOnExit(std::atomic<bool>& flag) : flag_(flag) {}
  ~ClearOnExit() { flag_.store(false); }
  ClearOnExit(const ClearOnExit&) = delete;
  ClearOnExit& operator=(const ClearOnExit&) = delete;

 private:
  std::atomic<bool>& flag_;
};

}  // namespace

void MaintenanceRuns::Audit(const RunBy& by, std::string action, std::string resource,
                            std::string result, std::string detail) const {
  if (!deps_.audit) return;
  metadata::AuditRecord r;
  r.actor = by.actor;
  r.address = by.address;
  r.action = std::move(action);
  r.project = resource.substr(0, resource.find('/'));
  r.resource = std::move(resource);
  r.result = std::move(result);
  r.detail = std::move(detail);
  deps_.audit->Record(std::move(r));
}

#ifdef CANGKU_FEATURE_GC
StatusOr<gc::GcReport> MaintenanceRuns::Gc(const gc::GcOptions& options, const RunBy& by) {
  if (gc_running_.exchange(true)) return AbortedError("a garbage collection is running");
  ClearOnExit clear(gc_running_);
  gc::GarbageCollector collector(deps_.blobs, deps_.metadata, deps_.clock);
  StatusOr<gc::GcReport> report = collector.Run(options);
  if (!report.ok()) {
    deps_.logger.error("{} failed: {}", by.label, report.status().ToString());
    Audit(by, "gc.run", "", "failed", report.status().ToString());
    return report;
  }
  std::string summary =
      fmt::format("{} manifests, {} links, {} blobs {}; {} bytes freed", report->manifests.size(),
                  report->links.size(), report->blobs.size(),
                  options.dry_run ? "to delete (dry run)" : "deleted", report->bytes_freed);
  deps_.logger.info("{}: {}", by.label, summary);
  if (options.dry_run) return report;
  for (const std::string& m : report->manifests) {
    deps_.registry.ForgetCachedManifests(m.substr(0, m.find('@')));
    Audit(by, "gc.delete", m, "ok", "manifest");
  }
  Audit(by, "gc.run", "", "ok", summary);
  return report;
}
#endif

#ifdef CANGKU_FEATURE_RETENTION
StatusOr<retention::RetentionReport> MaintenanceRuns::Retention(
    const retention::RetentionOptions& options, const RunBy& by) {
  if (!deps_.policies) return FailedPreconditionError("retention needs the policy feature");
  retention::Retention retention(deps_.metadata, *deps_.policies, deps_.clock);
  StatusOr<retention::RetentionReport> report = retention.Run(options);
  if (!report.ok()) {
    deps_.logger.error("{} failed: {}", by.label, report.status().ToString());
    Audit(by, "retention.run", "", "failed", report.status().ToString());
    return report;
  }
  std::vector<metadata::AuditRecord> records = RetentionAuditRecords(*report, by.actor, by.address);
  deps_.logger.info("{}: {}{}", by.label, records.back().detail,
                    options.dry_run ? " (dry run)" : "");
  if (options.dry_run) return report;
  for (const retention::Removal& r : report->removed) {
    deps_.registry.ForgetCachedManifests(r.repository);
  }
  if (deps_.audit) {
    for (metadata::AuditRecord& record : records) deps_.audit->Record(std::move(record));
  }
  return report;
}
#endif

api::admin::MaintenanceHooks AdminHooks(MaintenanceRuns& runs) {
  api::admin::MaintenanceHooks hooks;
#ifdef CANGKU_FEATURE_GC
  hooks.gc = [&runs](const gc::GcOptions& options, const auth::admin::Actor& actor) {
    return runs.Gc(options, ByCaller(actor, "gc"));
  };
#endif
#ifdef CANGKU_FEATURE_RETENTION
  if (runs.deps().policies) {
    hooks.retention = [&runs](const retention::RetentionOptions& options,
                              const auth::admin::Actor& actor) {
      return runs.Retention(options, ByCaller(actor, "retention"));
    };
  }
#endif
  (void)runs;
  return hooks;
}

StatusOr<std::unique_ptr<Scheduler>> MakeScheduler(const Config& config, MaintenanceRuns& runs) {
  if (config.gc_schedule.empty() && config.retention_schedule.empty()) {
    return std::unique_ptr<Scheduler>();
  }
  auto scheduler = std::make_unique<Scheduler>(runs.deps().clock, runs.deps().logger);
  if (!config.gc_schedule.empty()) {
#ifdef CANGKU_FEATURE_GC
    ASSIGN_OR_RETURN(CronSchedule schedule, CronSchedule::Parse(config.gc_schedule));
    gc::GcOptions options;
    options.grace = std::chrono::seconds(config.gc_grace_s);
    options.delete_untagged = config.gc_delete_untagged;
    RunBy by = Scheduled("scheduled gc");
    scheduler->Add("gc", std::move(schedule), [options, by, &runs] {
      StatusOr<gc::GcReport> report = runs.Gc(options, by);
      if (report.status().code() == StatusCode::kAborted) {
        runs.deps().logger.warn("scheduled gc skipped: {}", report.status().message());
      }
    });
#else
    return FailedPreconditionError("gc.schedule is set but garbage collection is not built in");
#endif
  }
  if (!config.retention_schedule.empty()) {
#ifdef CANGKU_FEATURE_RETENTION
    if (!runs.deps().policies) return FailedPreconditionError("retention needs the policy feature");
    ASSIGN_OR_RETURN(CronSchedule schedule, CronSchedule::Parse(config.retention_schedule));
    retention::RetentionOptions options;
    options.grace = std::chrono::seconds(config.retention_grace_s);
    RunBy by = Scheduled("scheduled retention");
    scheduler->Add("retention", std::move(schedule),
                   [options, by, &runs] { runs.Retention(options, by).status().IgnoreError(); });
#else
    return FailedPreconditionError("retention.schedule is set but retention is not built in");
#endif
  }
  return scheduler;
}

}  // namespace cangku::server
