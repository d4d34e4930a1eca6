#pragma once

#include <chrono>
#include <string>

#include "server/config.h"

namespace cangku::server {

struct RetentionCommandOptions {
  std::string project;  // empty: every project with retention rules
  bool dry_run = false;
  std::chrono::seconds grace{std::chrono::hours(1)};  // untagged manifests younger than this stay
};

// `cangku retention`: applies the projects' retention rules to the metadata store `config`
// names (safe beside a running server), prints every removal and the totals on stdout (errors
// on stderr) and returns the exit code: 0 done, 1 failure (also when the feature was not built
// in), 2 bad arguments.
int RunRetentionCommand(const Config& config, const RetentionCommandOptions& options);

}  // namespace cangku::server
