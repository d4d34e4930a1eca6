#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/config.h"

namespace cangku::server {

struct ProjectPolicyOptions {
  std::string project;
  std::vector<std::string> immutable_tags;  // replaces the project's patterns when non-empty
  bool no_immutable_tags = false;           // clears them
  int64_t quota_bytes = -1;                 // sets the quota when >= 0
  bool no_quota = false;                    // removes it
};

// `cangku project policy` and `cangku project show`: read or change a project's policies in the
// metadata store `config` names. A running server sees a change within a few seconds (its
// policy cache's lifetime). Print on stdout (errors on stderr) and return the exit code: 0 done,
// 1 failure (also when the policy feature was not built in), 2 bad arguments.
int RunProjectPolicyCommand(const Config& config, const ProjectPolicyOptions& options);
int RunProjectShowCommand(const Config& config, const std::string& project);

}  // namespace cangku::server
