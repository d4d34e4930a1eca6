#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cangku::metadata {

// Per-project policies (tag immutability and the like), stored as one JSON document per project
// in `project_policies`. The store does not interpret the document. Thread-safe and blocking.
class PolicyStore {
 public:
  virtual ~PolicyStore() = default;

  // The project's policy document, or nullopt when none was set.
  virtual StatusOr<std::optional<std::string>> GetProjectPolicy(std::string_view project) = 0;
  // Sets (replaces) the project's policy document; `now` is Unix seconds.
  virtual Status PutProjectPolicy(std::string_view project, std::string_view policy_json,
                                  int64_t now) = 0;
  // The bytes the project's repositories link: the sizes of the distinct blob digests linked in
  // any repository of the project (the repository named `project` or named `project/...`),
  // each counted once however many repositories link it. Manifests are not counted.
  virtual StatusOr<int64_t> ProjectUsage(std::string_view project) = 0;
};

}  // namespace cangku::metadata
