#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/admin_exchange.h"
#include "server/config.h"

namespace CLI {
class App;
}

namespace cangku::server {

// `cangku user ...`, `cangku robot ...` and the account side of `cangku project ...` (create,
// list, update, delete, members, member add|remove). Each command is one admin API request
// (docs/api.md), sent either in-process to the data directory (default, as the system: see
// LocalAdmin) or, with --server URL, to a running registry over HTTP(S) as --username (password
// from stdin with --password-stdin, else CANGKU_PASSWORD; CANGKU_USERNAME for the name). Both
// print the JSON answer on stdout (errors on stderr) and exit 0 done, 1 failure, 2 bad
// arguments (an answer of 400 included).
class IdentityCommands {
 public:
  // `config_path` and `data_dir` are the --config/--data-dir every local command shares.
  IdentityCommands(std::string& config_path, std::string& data_dir)
      : config_path_(config_path), data_dir_(data_dir) {}

  // `user create|list|show|passwd|update|delete|import`.
  void AddUserCommands(CLI::App& app);
  // `robot create|list|show|update|rotate|delete`.
  void AddRobotCommands(CLI::App& app);
  // `project create|list|update|delete|members` and `project member add|remove`.
  void AddProjectCommands(CLI::App& project);

  // Whether the command line named one of the commands above.
  bool parsed() const { return static_cast<bool>(build_); }
  // Runs it; returns the exit code.
  int Run(const Config& config);

 private:
  // Everything the commands take; each command reads the fields it declared.
  struct Args {
    std::string name, project, user, role, description, file, last;
    bool admin = false, no_admin = false, disable = false, enable = false;
    bool make_public = false, make_private = false;
    std::vector<std::string> permissions;
    int64_t expires_at = -1;
    int n = -1;
  };
  using Builder = std::function<StatusOr<AdminRequest>()>;

  // Adds the connection options (local: --config/--data-dir; remote: --server, --username,
  // --password-stdin) to a command and makes `build` its request.
  CLI::App* Command(CLI::App& parent, const std::string& name, const std::string& what,
                    Builder build);
  void AddUserChanges(CLI::App& user);  // user update|delete|import
  void AddRobotUpdate(CLI::App& robot);
  void AddMemberCommands(CLI::App& project);
  // The next line of standard input (the login password first, then a new password).
  StatusOr<std::string> StdinLine(const std::string& what);

  std::string& config_path_;
  std::string& data_dir_;
  std::string server_, username_;
  bool password_stdin_ = false;
  std::string password_;
  Args args_;
  Builder build_;
};

}  // namespace cangku::server
