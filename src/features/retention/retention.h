#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "features/policy/policy_service.h"
#include "features/retention/retention_plan.h"
#include "metadata/lifecycle_store.h"

namespace cangku::retention {

struct RetentionOptions {
  std::optional<std::string> project;  // only this project; unset: every project with rules
  bool dry_run = false;                // decide and report, change nothing
  // Untagged manifests younger than this stay (a client pushes an index's children, or an
  // image before its signature's subject is tagged, moments apart).
  std::chrono::seconds grace{std::chrono::hours(1)};
};

struct RetentionReport {
  bool dry_run = false;
  std::vector<std::string> projects;  // the projects whose rules ran
  std::vector<Removal> removed;       // tags first, then manifests, in the order removed
  size_t tags_kept = 0;
  size_t changed_meanwhile = 0;  // planned removals a concurrent push made moot (left alone)

  size_t RemovedTags() const;
  size_t RemovedManifests() const { return removed.size() - RemovedTags(); }
};

// Applies the projects' retention rules (policy::RetentionRules): deletes the tags no rule
// keeps, then, with remove_untagged, the manifests left without a tag, referrers after their
// subject and index children after their index. Blob space comes back at the next garbage
// collection. Every delete is conditional (the store re-checks it), so running beside a
// serving registry is safe: a tag re-pushed or a manifest re-tagged meanwhile stays.
// Not thread-safe (one run at a time); blocking.
class Retention {
 public:
  Retention(metadata::LifecycleStore& store, policy::PolicyService& policies, const Clock& clock);

  // Errors: the stores' (then the report of what was done is lost; a rerun continues).
  StatusOr<RetentionReport> Run(const RetentionOptions& options);

 private:
  metadata::LifecycleStore& store_;
  policy::PolicyService& policies_;
  const Clock& clock_;
};

// The report as `cangku retention` prints it: one line per removal, e.g.
//   library/app:v1 (sha256:...) removed: kept by no rule
// then the totals.
std::string FormatReport(const RetentionReport& report);

}  // namespace cangku::retention
