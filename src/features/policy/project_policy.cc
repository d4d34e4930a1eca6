#include "features/policy/project_policy.h"

#include <nlohmann/json.hpp>

namespace cangku::policy {

std::string_view ProjectOf(std::string_view repository) {
  return repository.substr(0, repository.find('/'));
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, resume = 0;  // last '*' seen and where its run ends
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;  // let the last '*' swallow one more character
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool MatchesAny(const std::vector<std::string>& patterns, std::string_view tag) {
  for (const std::string& pattern : patterns) {
    if (GlobMatch(pattern, tag)) return true;
  }
  return false;
}

StatusOr<ProjectPolicy> ParsePolicy(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgumentError("project policy is not a JSON object");
  }
  ProjectPolicy policy;
  if (doc.contains("immutable_tags")) {
    const nlohmann::json& tags = doc["immutable_tags"];
    if (!tags.is_array()) return InvalidArgumentError("immutable_tags is not an array");
    for (const auto& pattern : tags) {
      if (!pattern.is_string()) return InvalidArgumentError("immutable_tags holds a non-string");
      policy.immutable_tags.push_back(pattern.get<std::string>());
    }
  }
  if (doc.contains("quota_bytes") && !doc["quota_bytes"].is_null()) {
    const nlohmann::json& quota = doc["quota_bytes"];
    if (!quota.is_number_integer() || quota.get<int64_t>() < 0) {
      return InvalidArgumentError("quota_bytes is not a non-negative integer");
    }
    policy.quota_bytes = quota.get<int64_t>();
  }
  return policy;
}

std::string PolicyJson(const ProjectPolicy& policy) {
  nlohmann::json doc = {{"immutable_tags", policy.immutable_tags}};
  if (policy.quota_bytes) doc["quota_bytes"] = *policy.quota_bytes;
  return doc.dump();
}

}  // namespace cangku::policy
