#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "metadata/audit_store.h"
#include "server/config.h"

namespace cangku::retention {
struct RetentionReport;
}

namespace cangku::server {

struct RetentionCommandOptions {
  std::string project;  // empty: every project with retention rules
  bool dry_run = false;
  std::chrono::seconds grace{std::chrono::hours(1)};  // untagged manifests younger than this stay
};

// `cangku retention`: applies the projects' retention rules to the metadata store `config`
// names (safe beside a running server), records the removals in the audit log (actor "system",
// address "cli"), prints every removal and the totals on stdout (errors on stderr) and returns
// the exit code: 0 done, 1 failure (also when the feature was not built
// in), 2 bad arguments.
int RunRetentionCommand(const Config& config, const RetentionCommandOptions& options);

// The audit log entries of a retention run: one "retention.delete" per removal, then a
// "retention.run" with the totals, all by `actor` from `address`.
std::vector<metadata::AuditRecord> RetentionAuditRecords(const retention::RetentionReport& report,
                                                         const std::string& actor,
                                                         const std::string& address);

}  // namespace cangku::server
