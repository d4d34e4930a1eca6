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

}  // namespace

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
  return 0;
#else
  (void)config;
  return Fail(UnimplementedError("this build has no retention policies"));
#endif
}

}  // namespace cangku::server
