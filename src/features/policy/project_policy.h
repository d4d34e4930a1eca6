#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cangku::policy {

// The retention rules of a project (features/retention applies them). A tag is kept when any
// keep rule keeps it; without keep rules no tag is removed.
struct RetentionRules {
  std::optional<int64_t> keep_last;         // the N most recently pushed tags per repository
  std::optional<int64_t> keep_pulled_days;  // tags whose manifest was pulled in the last D days
  std::vector<std::string> keep_tags;       // tags matching any of these globs
  std::vector<std::string> keep_tags_not;   // tags matching none of these globs
  bool remove_untagged = false;             // also delete manifests left without a tag

  bool HasKeepRules() const {
    return keep_last || keep_pulled_days || !keep_tags.empty() || !keep_tags_not.empty();
  }
  bool operator==(const RetentionRules&) const = default;
};

// The policies of one project, as stored (JSON) in the metadata's project_policies table:
//   {"immutable_tags": ["v*", "release-*"], "quota_bytes": 1073741824,
//    "retention": {"keep_last": 10, "keep_pulled_days": 30, "keep_tags": ["v*"],
//                  "keep_tags_not": ["dev-*"], "remove_untagged": true}}
// Absent keys mean "no policy of that kind".
struct ProjectPolicy {
  std::vector<std::string> immutable_tags;  // glob patterns (see GlobMatch)
  std::optional<int64_t> quota_bytes;       // limit on the project's usage (PolicyStore)
  std::optional<RetentionRules> retention;  // none: retention leaves the project alone

  bool operator==(const ProjectPolicy&) const = default;
};

// The project of a repository: its first path component ("library" in "library/debian"); a
// single-component name is its own project.
std::string_view ProjectOf(std::string_view repository);

// Whether `text` matches `pattern`, where '*' matches any run of characters (also none), '?'
// exactly one, and every other character itself.
bool GlobMatch(std::string_view pattern, std::string_view text);

// Whether any of `patterns` matches `tag`.
bool MatchesAny(const std::vector<std::string>& patterns, std::string_view tag);

// Errors: kInvalidArgument (not JSON, or a key of the wrong type).
StatusOr<ProjectPolicy> ParsePolicy(std::string_view json);
std::string PolicyJson(const ProjectPolicy& policy);

}  // namespace cangku::policy
