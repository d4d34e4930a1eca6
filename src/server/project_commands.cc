#include "server/project_commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "metadata/sql_metadata_store.h"
#ifdef CANGKU_FEATURE_POLICY
#include "features/policy/policy_service.h"
#endif

namespace cangku::server {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "project: %s\n", status.ToString().c_str());
  return 1;
}

// A project is one repository path component.
bool ValidProject(const std::string& project) {
  if (!project.empty() && project.find('/') == std::string::npos) return true;
  std::fprintf(stderr, "project: bad project name '%s'\n", project.c_str());
  return false;
}

#ifdef CANGKU_FEATURE_POLICY

void PrintPolicy(const std::string& project, const policy::ProjectPolicy& p, int64_t usage) {
  std::printf("project: %s\n", project.c_str());
  std::string patterns;
  for (const std::string& pattern : p.immutable_tags) {
    patterns += (patterns.empty() ? "" : " ") + pattern;
  }
  std::printf("immutable tags: %s\n", patterns.empty() ? "(none)" : patterns.c_str());
  if (p.quota_bytes) {
    std::printf("quota: %lld of %lld bytes used\n", static_cast<long long>(usage),
                static_cast<long long>(*p.quota_bytes));
  } else {
    std::printf("quota: none (%lld bytes used)\n", static_cast<long long>(usage));
  }
}

std::string Joined(const std::vector<std::string>& patterns) {
  std::string out;
  for (const std::string& pattern : patterns) out += (out.empty() ? "" : " ") + pattern;
  return out.empty() ? "(none)" : out;
}

void PrintRetention(const std::optional<policy::RetentionRules>& r) {
  if (!r) return;  // "retention: none" would change the output scripts already parse
  std::printf(
      "retention: keep last %s, keep pulled in %s days, keep tags %s, keep tags not %s, "
      "remove untagged %s\n",
      r->keep_last ? std::to_string(*r->keep_last).c_str() : "-",
      r->keep_pulled_days ? std::to_string(*r->keep_pulled_days).c_str() : "-",
      Joined(r->keep_tags).c_str(), Joined(r->keep_tags_not).c_str(),
      r->remove_untagged ? "yes" : "no");
}

// Whether any retention option was given.
bool RetentionGiven(const ProjectPolicyOptions& o) {
  return o.retention_keep_last || o.retention_keep_pulled_days || !o.retention_keep_tags.empty() ||
         !o.retention_keep_tags_not.empty() || o.retention_remove_untagged;
}

// Applies the retention options: --no-retention removes the rules, any rule replaces them all.
void ApplyRetention(const ProjectPolicyOptions& o, policy::ProjectPolicy& p) {
  if (o.no_retention) p.retention.reset();
  if (!RetentionGiven(o)) return;
  p.retention = policy::RetentionRules{.keep_last = o.retention_keep_last,
                                       .keep_pulled_days = o.retention_keep_pulled_days,
                                       .keep_tags = o.retention_keep_tags,
                                       .keep_tags_not = o.retention_keep_tags_not,
                                       .remove_untagged = o.retention_remove_untagged};
}

// Prints the project's policy and usage as `service` sees them.
int Show(policy::PolicyService& service, const std::string& project) {
  StatusOr<policy::ProjectPolicy> current = service.Get(project);
  if (!current.ok()) return Fail(current.status());
  StatusOr<int64_t> usage = service.Usage(project);
  if (!usage.ok()) return Fail(usage.status());
  PrintPolicy(project, *current, *usage);
  PrintRetention(current->retention);
  return 0;
}

bool ConsistentFlags(const ProjectPolicyOptions& options) {
  const char* clash = nullptr;
  if (options.no_immutable_tags && !options.immutable_tags.empty()) {
    clash = "--immutable-tags and --no-immutable-tags";
  } else if (options.no_quota && options.quota_bytes >= 0) {
    clash = "--quota-bytes and --no-quota";
  } else if (options.no_retention && RetentionGiven(options)) {
    clash = "--no-retention and the --retention-* options";
  }
  if (clash) std::fprintf(stderr, "project: %s exclude each other\n", clash);
  return clash == nullptr;
}
#endif

}  // namespace

StatusOr<std::unique_ptr<metadata::SqlMetadataStore>> OpenMetadata(const Config& config) {
  std::error_code ec;
  if (!config.metadata_url.empty())
    return metadata::SqlMetadataStore::Create(config.metadata_url, 2);
  if (!std::filesystem::is_directory(config.data_dir, ec)) {
    return NotFoundError("data directory " + config.data_dir + " does not exist");
  }
  std::string root = std::filesystem::absolute(config.data_dir).lexically_normal().string();
  return metadata::SqlMetadataStore::Create("sqlite://" + root + "/metadata.db", 2);
}

namespace {

// The --retention-* options of `cangku project policy`.
void AddRetentionRuleOptions(CLI::App& policy, ProjectPolicyOptions& options) {
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

}  // namespace

std::pair<CLI::App*, CLI::App*> AddProjectPolicyCommands(CLI::App& project,
                                                         ProjectPolicyOptions& options,
                                                         std::string& config_path,
                                                         std::string& data_dir) {
  auto* policy = project.add_subcommand("policy", "set a project's policies");
  auto* show = project.add_subcommand("show", "print a project's policies");
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

int RunProjectPolicyCommand(const Config& config, const ProjectPolicyOptions& options) {
  if (!ValidProject(options.project)) return 2;
#ifdef CANGKU_FEATURE_POLICY
  if (!ConsistentFlags(options)) return 2;
  auto store = OpenMetadata(config);
  if (!store.ok()) return Fail(store.status());
  SystemClock clock;
  auto service = policy::PolicyService::Create(**store, clock);
  StatusOr<policy::ProjectPolicy> current = service->Get(options.project);
  if (!current.ok()) return Fail(current.status());
  if (options.no_immutable_tags) current->immutable_tags.clear();
  if (!options.immutable_tags.empty()) current->immutable_tags = options.immutable_tags;
  if (options.no_quota) current->quota_bytes.reset();
  if (options.quota_bytes >= 0) current->quota_bytes = options.quota_bytes;
  ApplyRetention(options, *current);
  if (Status s = service->Set(options.project, *current); !s.ok()) return Fail(s);
  return Show(*service, options.project);
#else
  (void)config, (void)options;
  return Fail(UnimplementedError("this build has no project policies"));
#endif
}

int RunProjectShowCommand(const Config& config, const std::string& project) {
  if (!ValidProject(project)) return 2;
#ifdef CANGKU_FEATURE_POLICY
  auto store = OpenMetadata(config);
  if (!store.ok()) return Fail(store.status());
  SystemClock clock;
  auto service = policy::PolicyService::Create(**store, clock);
  return Show(*service, project);
#else
  (void)config, (void)project;
  return Fail(UnimplementedError("this build has no project policies"));
#endif
}

}  // namespace cangku::server
