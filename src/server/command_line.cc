#include "server/command_line.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <utility>

#include "server/cangku_server.h"
#include "server/config.h"
#include "server/identity_commands.h"
#include "server/maintenance.h"
#include "server/project_commands.h"
#include "server/retention_command.h"

namespace cangku::server {
namespace {

// `cangku retention`.
CLI::App* AddRetentionCommand(CLI::App& app, RetentionCommandOptions& options, int64_t& grace_s,
                              std::string& config_path, std::string& data_dir) {
  auto* cmd = app.add_subcommand("retention", "apply the projects' retention rules");
  cmd->add_option("--project", options.project, "only this project (default: all with rules)");
  cmd->add_flag("--dry-run", options.dry_run, "list what would be removed, change nothing");
  cmd->add_option("--grace", grace_s, "spare untagged manifests younger than this (seconds)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--config", config_path, "YAML configuration file");
  cmd->add_option("--data-dir", data_dir, "data directory (overrides storage.data_dir)");
  return cmd;
}

// `cangku gc` and `cangku scrub`; returns them.
std::pair<CLI::App*, CLI::App*> AddStorageCommands(CLI::App& app, GcCommandOptions& gc_options,
                                                   int64_t& grace_s,
                                                   ScrubCommandOptions& scrub_options,
                                                   std::string& config_path,
                                                   std::string& data_dir) {
  auto* gc = app.add_subcommand("gc", "delete blobs and manifests nothing references");
  auto* scrub = app.add_subcommand("scrub", "re-hash blobs and check metadata against storage");
  for (auto* cmd : {gc, scrub}) {
    cmd->add_option("--config", config_path, "YAML configuration file");
    cmd->add_option("--data-dir", data_dir, "data directory (overrides storage.data_dir)");
  }
  gc->add_flag("--dry-run", gc_options.dry_run, "list what would go and the bytes it frees");
  gc->add_flag("--delete-untagged", gc_options.delete_untagged, "delete untagged manifests too");
  gc->add_option("--grace", grace_s, "spare what is younger than this (seconds)")
      ->check(CLI::NonNegativeNumber);
  gc->add_flag("--verbose,-v", gc_options.verbose, "list every deleted item");
  scrub->add_flag("--repair", scrub_options.repair, "remove dangling metadata and corrupt blobs");
  return {gc, scrub};
}

int Serve(const Config& config) {
  auto server = CangkuServer::Create(config);
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  Status s = (*server)->Run();
  if (!s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  return 0;
}

}  // namespace

int RunCommandLine(int argc, char** argv, const char* version) {
  CLI::App app{"Cangku: an OCI container image registry"};
  app.require_subcommand(1);
  std::string config_path, addr, data_dir;
  auto* serve = app.add_subcommand("serve", "run the registry");
  serve->add_option("--config", config_path, "YAML configuration file");
  serve->add_option("--addr", addr, "listen address host:port (overrides http.addr)");
  serve->add_option("--data-dir", data_dir, "data directory (overrides storage.data_dir)");
  GcCommandOptions gc_options;
  int64_t grace_s = gc_options.grace.count();
  ScrubCommandOptions scrub_options;
  auto [gc, scrub] =
      AddStorageCommands(app, gc_options, grace_s, scrub_options, config_path, data_dir);
  auto* project = app.add_subcommand("project", "projects: members, visibility and policies")
                      ->require_subcommand(1);
  ProjectPolicyOptions project_options;
  auto [project_policy, project_show] =
      AddProjectPolicyCommands(*project, project_options, config_path, data_dir);
  IdentityCommands identity(config_path, data_dir);
  identity.AddProjectCommands(*project);
  identity.AddUserCommands(app);
  identity.AddRobotCommands(app);
  RetentionCommandOptions retention_options;
  int64_t retention_grace_s = retention_options.grace.count();
  auto* retention =
      AddRetentionCommand(app, retention_options, retention_grace_s, config_path, data_dir);
  app.add_subcommand("version", "print the version");
  auto* config_cmd = app.add_subcommand("config", "configuration tools")->require_subcommand(1);
  auto* check = config_cmd->add_subcommand("check", "validate a configuration file");
  check->add_option("file", config_path, "YAML configuration file")->required();
  CLI11_PARSE(app, argc, argv);

  if (app.got_subcommand("version")) return std::puts(version) < 0;
  auto env = ProcessEnvironment();
  if (!addr.empty()) env["CANGKU_HTTP_ADDR"] = addr;
  if (!data_dir.empty()) env["CANGKU_STORAGE_DATA_DIR"] = data_dir;
  auto config = LoadConfig(config_path, env);
  if (!config.ok()) return std::fprintf(stderr, "%s\n", config.status().message().c_str()), 2;
  if (app.got_subcommand("config")) return std::puts("configuration OK") < 0;
  gc_options.grace = std::chrono::seconds(grace_s);
  if (gc->parsed()) return RunGcCommand(*config, gc_options);
  if (scrub->parsed()) return RunScrubCommand(*config, scrub_options);
  if (project_policy->parsed()) return RunProjectPolicyCommand(*config, project_options);
  if (project_show->parsed()) return RunProjectShowCommand(*config, project_options.project);
  if (identity.parsed()) return identity.Run(*config);
  retention_options.grace = std::chrono::seconds(retention_grace_s);
  if (retention->parsed()) return RunRetentionCommand(*config, retention_options);
  if (serve->parsed()) return Serve(*config);
  return 2;
}

}  // namespace cangku::server
