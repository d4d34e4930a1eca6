#include "server/retention_command.h"

#include <cstdio>
#include <memory>

#include "common/clock.h"
#include "metadata/sql_metadata_store.h"
#include "server/project_commands.h"
#ifdef CANGKU_FEATURE_RETENTION
#include "features/policy/policy_service.h"
#include "features/retention/retention.h"
#endif

namespace cangku::server {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "retention: %s\n", status.ToString().c_str());
  return 1;
}

metadata::AuditRecord Record(const std::string& actor, const std::string& address,
                             std::string action, std::string resource, std::string detail) {
  metadata::AuditRecord r;
  r.actor = actor;
  r.address = address;
  r.action = std::move(action);
  r.project = resource.substr(0, resource.find('/'));
  r.resource = std::move(resource);
  r.result = "ok";
  r.detail = std::move(detail);
  return r;
}

}  // namespace

#ifdef CANGKU_FEATURE_RETENTION
std::vector<metadata::AuditRecord> RetentionAuditRecords(const retention::RetentionReport& report,
                                                         const std::string& actor,
                                                         const std::string& address) {
  std::vector<metadata::AuditRecord> records;
  for (const retention::Removal& r : report.removed) {
    std::string resource =
        r.tag.empty() ? r.repository + "@" + r.digest.str() : r.repository + ":" + r.tag;
    records.push_back(Record(actor, address, "retention.delete", resource, r.reason));
  }
  std::string summary = std::to_string(report.RemovedTags()) + " tags and " +
                        std::to_string(report.RemovedManifests()) + " manifests removed, " +
                        std::to_string(report.tags_kept) + " tags kept";
  records.push_back(Record(actor, address, "retention.run", "", summary));
  return records;
}
#endif

int RunRetentionCommand(const Config& config, const RetentionCommandOptions& options) {
  if (options.project.find('/') != std::string::npos) {
    std::fprintf(stderr, "retention: bad project name '%s'\n", options.project.c_str());
    return 2;
  }
#ifdef CANGKU_FEATURE_RETENTION
  auto store = OpenMetadata(config);
  if (!store.ok()) return Fail(store.status());
  SystemClock clock;
  auto policies = policy::PolicyService::Create(**store, clock);
  retention::Retention retention(**store, *policies, clock);
  retention::RetentionOptions run{.dry_run = options.dry_run, .grace = options.grace};
  if (!options.project.empty()) run.project = options.project;
  StatusOr<retention::RetentionReport> report = retention.Run(run);
  if (!report.ok()) return Fail(report.status());
  std::fputs(retention::FormatReport(*report).c_str(), stdout);
  if (report->dry_run) return 0;
  std::vector<metadata::AuditRecord> records = RetentionAuditRecords(*report, "system", "cli");
  for (metadata::AuditRecord& r : records) r.time = UnixSeconds(clock.Now());
  if (Status s = (*store)->AppendAudit(records); !s.ok()) return Fail(s);
  return 0;
#else
  (void)config;
  return Fail(UnimplementedError("this build has no retention policies"));
#endif
}

}  // namespace cangku::server
