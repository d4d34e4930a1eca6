#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "features/policy/project_policy.h"
#include "metadata/policy_store.h"
#include "registry/push_policy.h"

namespace cangku::policy {

// Project policies read from the metadata store, cached for at most `ttl` so that a policy set
// by `cangku project policy` (another process) takes effect on a running server within `ttl`.
// Implements the registry's PushPolicy. Thread-safe.
class PolicyService final : public registry::PushPolicy {
 public:
  static std::unique_ptr<PolicyService> Create(metadata::PolicyStore& store, const Clock& clock,
                                               std::chrono::seconds ttl = std::chrono::seconds(2));

  // The project's policy (empty when none was set). Errors: the store's, kDataLoss when the
  // stored document does not parse.
  StatusOr<ProjectPolicy> Get(const std::string& project);
  // Stores the project's policy; this service sees it at once.
  Status Set(const std::string& project, const ProjectPolicy& policy);

  // The project's usage (see metadata::PolicyStore::ProjectUsage), never cached.
  StatusOr<int64_t> Usage(const std::string& project);

  StatusOr<registry::ImmutableTags> ImmutableTagsOf(const std::string& repository) override;
  Status CheckQuota(const std::string& repository) override;

 private:
  PolicyService(metadata::PolicyStore& store, const Clock& clock, std::chrono::seconds ttl);

  struct Cached {
    ProjectPolicy policy;
    std::chrono::system_clock::time_point fetched;
  };

  metadata::PolicyStore& store_;
  const Clock& clock_;
  const std::chrono::seconds ttl_;
  std::mutex mu_;
  std::map<std::string, Cached, std::less<>> cache_;  // guarded by mu_
};

}  // namespace cangku::policy
