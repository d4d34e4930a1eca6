#include <CLI/CLI.hpp>
#include <cstdio>
#include <utility>

#include "server/cangku_server.h"
#include "server/config.h"
#include "server/maintenance.h"
#include "server/project_commands.h"
#include "server/retention_command.h"

namespace {

// The --retention-* options of `cangku project policy`.
void AddRetentionRuleOptions(CLI::App& policy, cangku::server::ProjectPolicyOptions& options) {
  policy
      .add_option_function<int64_t>(
          "--retention-keep-last", [&](const int64_t& n) { options.retention_keep_last = n; },
          "retention: keep the N most recently pushed tags of each repository")
      ->check(CLI::NonNegativeNumber);
  policy
      .add_option_function<int64_t>(
          "--retention-keep-pulled-days",
          [&](const int64_t& d) { options.retention_keep_pulled_days = d; },
          "retention: keep the tags pulled in the last D days")
      ->check(CLI::NonNegativeNumber);
  policy.add_option("--retention-keep-tags", options.retention_keep_tags,
                    "retention: keep the tags matching these globs");
  policy.add_option("--retention-keep-tags-not", options.retention_keep_tags_not,
                    "retention: keep the tags matching none of these globs");
  policy.add_flag("--retention-remove-untagged", options.retention_remove_untagged,
                  "retention: also delete the manifests left without a tag");
  policy.add_flag("--no-retention", options.no_retention, "remove the retention rules");
}

// `cangku retention`.
CLI::App* AddRetentionCommand(CLI::App& app, cangku::server::RetentionCommandOptions& options,
                              int64_t& grace_s, std::string& config_path, std::string& data_dir) {
  auto* cmd = app.add_subcommand("retention", "apply the projects' retention rules");
  cmd->add_option("--project", options.project, "only this project (default: all with rules)");
  cmd->add_flag("--dry-run", options.dry_run, "list what would be removed, change nothing");
  cmd->add_option("--grace", grace_s, "spare untagged manifests younger than this (seconds)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--config", config_path, "YAML configuration file");
  cmd->add_option("--data-dir", data_dir, "data directory (overrides storage.data_dir)");
  return cmd;
}

// `cangku project policy|show`; returns the two subcommands.
std::pair<CLI::App*, CLI::App*> AddProjectCommands(CLI::App& app,
                                                   cangku::server::ProjectPolicyOptions& options,
                                                   std::string& config_path,
                                                   std::string& data_dir) {
  auto* project = app.add_subcommand("project", "per-project policies")->require_subcommand(1);
  auto* policy = project->add_subcommand("policy", "set a project's policies");
  auto* show = project->add_subcommand("show", "print a project's policies");
  policy->add_option("--project", options.project, "project name")->required();
  policy->add_option("--immutable-tags", options.immutable_tags,
                     "tag patterns (glob: * and ?) that may not change once pushed");
  policy->add_flag("--no-immutable-tags", options.no_immutable_tags, "make every tag mutable");
  policy->add_option("--quota-bytes", options.quota_bytes, "limit on the project's blob bytes")
      ->check(CLI::NonNegativeNumber);
  policy->add_flag("--no-quota", options.no_quota, "remove the quota");
  AddRetentionRuleOptions(*policy, options);
  show->add_option("name", options.project, "project name")->required();
  for (auto* cmd : {policy, show}) {
    cmd->add_option("--config", config_path, "YAML configuration file");
    cmd->add_option("--data-dir", data_dir, "data directory (overrides storage.data_dir)");
  }
  return {policy, show};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cangku::server;
  CLI::App app{"Cangku: an OCI container image registry"};
  app.require_subcommand(1);
  std::string config_path, addr, data_dir;
  auto* serve = app.add_subcommand("serve", "run the registry");
  serve->add_option("--config", config_path, "YAML configuration file");
  serve->add_option("--addr", addr, "listen address host:port (overrides http.addr)");
  serve->add_option("--data-dir", data_dir, "data directory (overrides storage.data_dir)");
  GcCommandOptions gc_options;
  int64_t grace_s = gc_options.grace.count();
  auto* gc = app.add_subcommand("gc", "delete blobs and manifests nothing references");
  auto* scrub = app.add_subcommand("scrub", "re-hash blobs and check metadata against storage");
  ScrubCommandOptions scrub_options;
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
  ProjectPolicyOptions project_options;
  auto [project_policy, project_show] =
      AddProjectCommands(app, project_options, config_path, data_dir);
  RetentionCommandOptions retention_options;
  int64_t retention_grace_s = retention_options.grace.count();
  auto* retention =
      AddRetentionCommand(app, retention_options, retention_grace_s, config_path, data_dir);
  app.add_subcommand("version", "print the version");
  auto* config_cmd = app.add_subcommand("config", "configuration tools")->require_subcommand(1);
  auto* check = config_cmd->add_subcommand("check", "validate a configuration file");
  check->add_option("file", config_path, "YAML configuration file")->required();
  CLI11_PARSE(app, argc, argv);

  if (app.got_subcommand("version")) return std::puts(CANGKU_VERSION) < 0;
  auto env = ProcessEnvironment();
  if (!addr.empty()) env["CANGKU_HTTP_ADDR"] = addr;
  if (!data_dir.empty()) env["CANGKU_STORAGE_DATA_DIR"] = data_dir;
  auto config = LoadConfig(config_path, env);
  if (!config.ok()) return std::fprintf(stderr, "%s\n", config.status().message().c_str()), 2;
  if (app.got_subcommand("config")) return std::puts("configuration OK") < 0;
  gc_options.grace = std::chrono::seconds(grace_s);
  if (app.got_subcommand(gc)) return RunGcCommand(*config, gc_options);
  if (app.got_subcommand(scrub)) return RunScrubCommand(*config, scrub_options);
  if (project_policy->parsed()) return RunProjectPolicyCommand(*config, project_options);
  if (project_show->parsed()) return RunProjectShowCommand(*config, project_options.project);
  retention_options.grace = std::chrono::seconds(retention_grace_s);
  if (retention->parsed()) return RunRetentionCommand(*config, retention_options);
  auto server = CangkuServer::Create(*config);
  if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
  cangku::Status s = (*server)->Run();
  if (!s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  return 0;
}
