#pragma once

#include <chrono>

#include "server/config.h"

namespace cangku::server {

struct GcCommandOptions {
  bool dry_run = false;
  bool delete_untagged = false;
  std::chrono::seconds grace{std::chrono::hours(1)};
  bool verbose = false;  // list every deleted item, not only the totals
};

struct ScrubCommandOptions {
  bool repair = false;
};

// `cangku gc` and `cangku scrub`: open the stores `config` names (as `serve` does, but without
// the start-up cleanup, since a server may be serving the same data meanwhile), run, print a
// report on stdout (errors on stderr) and return the process exit code: 0 done, 1 failure, and
// for scrub 3 when problems were found that are not repaired. 1 too when the feature was not
// built in.
int RunGcCommand(const Config& config, const GcCommandOptions& options);
int RunScrubCommand(const Config& config, const ScrubCommandOptions& options);

}  // namespace cangku::server
