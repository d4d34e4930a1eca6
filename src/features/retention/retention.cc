#include "features/retention/retention.h"

#include <algorithm>
#include <functional>
#include <map>

#include "features/policy/project_policy.h"

namespace cangku::retention {
namespace {

struct ProjectRules {
  policy::RetentionRules rules;
  std::vector<std::string> immutable;
};

using States = std::map<std::string, RepositoryState>;  // by repository

// Reads the tags, manifests and index entries of the repositories `wanted` accepts.
Status Load(metadata::LifecycleStore& store, const std::function<bool(const std::string&)>& wanted,
            States& states) {
  RETURN_IF_ERROR(store.ForEachTag([&](const metadata::TagRow& tag) {
    if (wanted(tag.repository)) states[tag.repository].tags.push_back(tag);
    return OkStatus();
  }));
  RETURN_IF_ERROR(store.ForEachManifest([&](const metadata::ManifestNode& node) {
    if (wanted(node.repository)) states[node.repository].manifests.emplace(node.digest.str(), node);
    return OkStatus();
  }));
  return store.ForEachManifestRef([&](const metadata::ManifestRef& ref) {
    if (ref.kind != metadata::ManifestRef::Kind::kManifest) return OkStatus();
    auto it = states.find(ref.repository);
    if (it != states.end())
      it->second.index_children[ref.manifest.str()].push_back(ref.child.str());
    return OkStatus();
  });
}

// The rules of the projects of `states` (and of `asked`, if any) that have retention rules.
StatusOr<std::map<std::string, ProjectRules>> LoadRules(policy::PolicyService& policies,
                                                        const States& states,
                                                        const std::optional<std::string>& asked) {
  std::vector<std::string> projects;
  if (asked) projects.push_back(*asked);
  for (const auto& [repository, state] : states) {
    projects.emplace_back(policy::ProjectOf(repository));
  }
  std::map<std::string, ProjectRules> rules;
  for (const std::string& project : projects) {
    if (rules.count(project)) continue;
    ASSIGN_OR_RETURN(policy::ProjectPolicy p, policies.Get(project));
    if (p.retention) rules[project] = ProjectRules{*p.retention, p.immutable_tags};
  }
  return rules;
}

// Deletes the planned removals, each conditionally (see LifecycleStore); records in `report` what
// went and counts what a concurrent push kept.
Status Apply(metadata::LifecycleStore& store, std::vector<Removal>& tags,
             std::vector<Removal>& manifests, int64_t before, RetentionReport& report) {
  for (Removal& removal : tags) {
    metadata::TagRow row{removal.repository, removal.tag, removal.digest, removal.tag_updated_at};
    ASSIGN_OR_RETURN(bool deleted, store.DeleteTagIfUnchanged(row));
    if (deleted) {
      report.removed.push_back(std::move(removal));
    } else {
      ++report.changed_meanwhile;
    }
  }
  for (Removal& removal : manifests) {
    ASSIGN_OR_RETURN(bool deleted,
                     store.DeleteManifestIfUnreachable(removal.repository, removal.digest, before));
    if (deleted) {
      report.removed.push_back(std::move(removal));
    } else {
      ++report.changed_meanwhile;
    }
  }
  return OkStatus();
}

}  // namespace

size_t RetentionReport::RemovedTags() const {
  return static_cast<size_t>(std::count_if(removed.begin(), removed.end(),
                                           [](const Removal& r) { return !r.tag.empty(); }));
}

Retention::Retention(metadata::LifecycleStore& store, policy::PolicyService& policies,
                     const Clock& clock)
    : store_(store), policies_(policies), clock_(clock) {}

StatusOr<RetentionReport> Retention::Run(const RetentionOptions& options) {
  int64_t now = UnixSeconds(clock_.Now());
  States states;
  RETURN_IF_ERROR(Load(
      store_,
      [&](const std::string& repository) {
        return !options.project || policy::ProjectOf(repository) == *options.project;
      },
      states));
  ASSIGN_OR_RETURN(auto rules, LoadRules(policies_, states, options.project));
  RetentionReport report{.dry_run = options.dry_run};
  for (const auto& [project, r] : rules) report.projects.push_back(project);
  std::vector<Removal> tags, manifests;
  for (const auto& [repository, state] : states) {
    auto it = rules.find(std::string(policy::ProjectOf(repository)));
    if (it == rules.end()) continue;
    RepositoryPlan plan = PlanRepository(repository, state, it->second.rules, it->second.immutable,
                                         now, options.grace);
    report.tags_kept += plan.tags_kept;
    tags.insert(tags.end(), plan.tags.begin(), plan.tags.end());
    manifests.insert(manifests.end(), plan.manifests.begin(), plan.manifests.end());
  }
  if (options.dry_run) {
    report.removed = std::move(tags);
    report.removed.insert(report.removed.end(), manifests.begin(), manifests.end());
    return report;
  }
  int64_t before = now - options.grace.count() + 1;  // created at or before now - grace
  RETURN_IF_ERROR(Apply(store_, tags, manifests, before, report));
  return report;
}

std::string FormatReport(const RetentionReport& report) {
  std::string out;
  if (report.projects.empty()) out += "no project has retention rules\n";
  const char* verb = report.dry_run ? "would be removed" : "removed";
  for (const Removal& r : report.removed) {
    if (r.tag.empty()) {
      out += r.repository + "@" + r.digest.str() + " " + verb + ": " + r.reason + "\n";
    } else {
      out +=
          r.repository + ":" + r.tag + " (" + r.digest.str() + ") " + verb + ": " + r.reason + "\n";
    }
  }
  out += std::string(report.dry_run ? "dry run: would remove " : "removed ") +
         std::to_string(report.RemovedTags()) + " tags and " +
         std::to_string(report.RemovedManifests()) + " manifests; kept " +
         std::to_string(report.tags_kept) + " tags";
  if (report.changed_meanwhile) {
    out += "; " + std::to_string(report.changed_meanwhile) + " changed meanwhile and stayed";
  }
  out += report.dry_run ? "\n" : "\nrun `cangku gc` to free the blob space\n";
  return out;
}

}  // namespace cangku::retention
