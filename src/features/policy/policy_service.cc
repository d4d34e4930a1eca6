#include "features/policy/policy_service.h"

namespace cangku::policy {

std::unique_ptr<PolicyService> PolicyService::Create(metadata::PolicyStore& store,
                                                     const Clock& clock, std::chrono::seconds ttl) {
  return std::unique_ptr<PolicyService>(new PolicyService(store, clock, ttl));
}

PolicyService::PolicyService(metadata::PolicyStore& store, const Clock& clock,
                             std::chrono::seconds ttl)
    : store_(store), clock_(clock), ttl_(ttl) {}

StatusOr<ProjectPolicy> PolicyService::Get(const std::string& project) {
  auto now = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(project);
    if (it != cache_.end() && now - it->second.fetched < ttl_) return it->second.policy;
  }
  // Read outside the lock: a slow store must not hold up other projects.
  ASSIGN_OR_RETURN(std::optional<std::string> stored, store_.GetProjectPolicy(project));
  ProjectPolicy policy;
  if (stored) {
    StatusOr<ProjectPolicy> parsed = ParsePolicy(*stored);
    if (!parsed.ok()) {
      return DataLossError("policy of project " + project + ": " + parsed.status().message());
    }
    policy = std::move(*parsed);
  }
  std::lock_guard<std::mutex> lock(mu_);
  cache_[project] = Cached{policy, now};
  return policy;
}

Status PolicyService::Set(const std::string& project, const ProjectPolicy& policy) {
  RETURN_IF_ERROR(store_.PutProjectPolicy(project, PolicyJson(policy), UnixSeconds(clock_.Now())));
  std::lock_guard<std::mutex> lock(mu_);
  cache_.erase(project);
  return OkStatus();
}

StatusOr<registry::ImmutableTags> PolicyService::ImmutableTagsOf(const std::string& repository) {
  std::string project(ProjectOf(repository));
  ASSIGN_OR_RETURN(ProjectPolicy policy, Get(project));
  registry::ImmutableTags tags{.project = project, .matches = nullptr};
  if (!policy.immutable_tags.empty()) {
    tags.matches = [patterns = std::move(policy.immutable_tags)](std::string_view tag) {
      return MatchesAny(patterns, tag);
    };
  }
  return tags;
}

StatusOr<int64_t> PolicyService::Usage(const std::string& project) {
  return store_.ProjectUsage(project);
}

Status PolicyService::CheckQuota(const std::string& repository) {
  std::string project(ProjectOf(repository));
  ASSIGN_OR_RETURN(ProjectPolicy policy, Get(project));
  if (!policy.quota_bytes) return OkStatus();
  ASSIGN_OR_RETURN(int64_t usage, Usage(project));
  if (usage <= *policy.quota_bytes) return OkStatus();
  return ResourceExhaustedError("project " + project + " is over its quota: usage " +
                                std::to_string(usage) + " bytes, limit " +
                                std::to_string(*policy.quota_bytes) + " bytes");
}

}  // namespace cangku::policy
