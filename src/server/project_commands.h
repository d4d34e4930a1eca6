#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "server/config.h"

namespace CLI {
class App;
}

namespace cangku::metadata {
class SqlMetadataStore;
}

namespace cangku::server {

struct ProjectPolicyOptions {
  std::string project;
  std::vector<std::string> immutable_tags;  // replaces the project's patterns when non-empty
  bool no_immutable_tags = false;           // clears them
  int64_t quota_bytes = -1;                 // sets the quota when >= 0
  bool no_quota = false;                    // removes it
  // Retention rules (features/retention); any of them given replaces the project's rules.
  std::optional<int64_t> retention_keep_last;
  std::optional<int64_t> retention_keep_pulled_days;
  std::vector<std::string> retention_keep_tags;
  std::vector<std::string> retention_keep_tags_not;
  bool retention_remove_untagged = false;
  bool no_retention = false;  // removes the rules
};

// The metadata store `config` names, without the start-up cleanup `serve` does (a server may
// be serving it meanwhile). Errors: kNotFound (no data directory), the store's.
StatusOr<std::unique_ptr<metadata::SqlMetadataStore>> OpenMetadata(const Config& config);

// `cangku project policy` and `cangku project show`: read or change a project's policies in the
// metadata store `config` names. A running server sees a change within a few seconds (its
// policy cache's lifetime). Print on stdout (errors on stderr) and return the exit code: 0 done,
// 1 failure (also when the policy feature was not built in), 2 bad arguments.
int RunProjectPolicyCommand(const Config& config, const ProjectPolicyOptions& options);
int RunProjectShowCommand(const Config& config, const std::string& project);

// Adds `policy` and `show` below `project` (the options filling `options`, --config and
// --data-dir filling `config_path` and `data_dir`); returns them.
std::pair<CLI::App*, CLI::App*> AddProjectPolicyCommands(CLI::App& project,
                                                         ProjectPolicyOptions& options,
                                                         std::string& config_path,
                                                         std::string& data_dir);

}  // namespace cangku::server
