#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "features/policy/project_policy.h"
#include "metadata/lifecycle_store.h"
#include "oci/digest.h"

namespace cangku::retention {

// What one repository holds, as retention needs it.
struct RepositoryState {
  std::vector<metadata::TagRow> tags;
  std::map<std::string, metadata::ManifestNode> manifests;         // by digest
  std::map<std::string, std::vector<std::string>> index_children;  // index digest -> children
};

// One removal retention decided on. `tag` is empty for a manifest.
struct Removal {
  std::string repository;
  std::string tag;
  oci::Digest digest;
  std::string reason;  // "kept by no rule", "untagged", "subject removed", ...
  int64_t tag_updated_at = 0;
};

// The decisions for one repository: the tags to delete first, then the manifests, parents
// (indexes, subjects) before what they reference.
struct RepositoryPlan {
  std::vector<Removal> tags;
  std::vector<Removal> manifests;
  size_t tags_kept = 0;
};

// Decides what `rules` remove from `repo` at `now` (Unix seconds). `immutable` tags are always
// kept. Untagged manifests younger than `grace` are kept (they may belong to a push in flight).
// Pure: reads nothing, writes nothing.
RepositoryPlan PlanRepository(const std::string& repository, const RepositoryState& repo,
                              const policy::RetentionRules& rules,
                              const std::vector<std::string>& immutable, int64_t now,
                              std::chrono::seconds grace);

}  // namespace cangku::retention
