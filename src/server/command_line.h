#pragma once

namespace cangku::server {

// The `cangku` command line: parses `argv`, runs the subcommand (serve, gc, scrub, project,
// retention, user, robot, config check, version) and returns the process's exit code (0 done,
// 1 failure, 2 bad arguments; scrub: 3 problems remain). `version` is what `cangku version`
// prints.
int RunCommandLine(int argc, char** argv, const char* version);

}  // namespace cangku::server
