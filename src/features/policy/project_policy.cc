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

namespace {

Status ParsePatterns(const nlohmann::json& doc, const char* key, std::vector<std::string>* out) {
  if (!doc.contains(key)) return OkStatus();
  const nlohmann::json& list = doc[key];
  if (!list.is_array()) return InvalidArgumentError(std::string(key) + " is not an array");
  for (const auto& pattern : list) {
    if (!pattern.is_string()) return InvalidArgumentError(std::string(key) + " holds a non-string");
    out->push_back(pattern.get<std::string>());
  }
  return OkStatus();
}

Status ParseCount(const nlohmann::json& doc, const char* key, std::optional<int64_t>* out) {
  if (!doc.contains(key) || doc[key].is_null()) return OkStatus();
  const nlohmann::json& value = doc[key];
  if (!value.is_number_integer() || value.get<int64_t>() < 0) {
    return InvalidArgumentError(std::string(key) + " is not a non-negative integer");
  }
  *out = value.get<int64_t>();
  return OkStatus();
}

StatusOr<RetentionRules> ParseRetention(const nlohmann::json& doc) {
  if (!doc.is_object()) return InvalidArgumentError("retention is not an object");
  RetentionRules rules;
  RETURN_IF_ERROR(ParseCount(doc, "keep_last", &rules.keep_last));
  RETURN_IF_ERROR(ParseCount(doc, "keep_pulled_days", &rules.keep_pulled_days));
  RETURN_IF_ERROR(ParsePatterns(doc, "keep_tags", &rules.keep_tags));
  RETURN_IF_ERROR(ParsePatterns(doc, "keep_tags_not", &rules.keep_tags_not));
  if (doc.contains("remove_untagged")) {
    if (!doc["remove_untagged"].is_boolean()) {
      return InvalidArgumentError("remove_untagged is not a boolean");
    }
    rules.remove_untagged = doc["remove_untagged"].get<bool>();
  }
  return rules;
}

nlohmann::json RetentionJson(const RetentionRules& rules) {
  nlohmann::json doc = {{"keep_tags", rules.keep_tags},
                        {"keep_tags_not", rules.keep_tags_not},
                        {"remove_untagged", rules.remove_untagged}};
  if (rules.keep_last) doc["keep_last"] = *rules.keep_last;
  if (rules.keep_pulled_days) doc["keep_pulled_days"] = *rules.keep_pulled_days;
  return doc;
}

}  // namespace

StatusOr<ProjectPolicy> ParsePolicy(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgumentError("project policy is not a JSON object");
  }
  ProjectPolicy policy;
  RETURN_IF_ERROR(ParsePatterns(doc, "immutable_tags", &policy.immutable_tags));
  if (doc.contains("quota_bytes") && !doc["quota_bytes"].is_null()) {
    const nlohmann::json& quota = doc["quota_bytes"];
    if (!quota.is_number_integer() || quota.get<int64_t>() < 0) {
      return InvalidArgumentError("quota_bytes is not a non-negative integer");
    }
    policy.quota_bytes = quota.get<int64_t>();
  }
  if (doc.contains("retention") && !doc["retention"].is_null()) {
    ASSIGN_OR_RETURN(policy.retention, ParseRetention(doc["retention"]));
  }
  return policy;
}

std::string PolicyJson(const ProjectPolicy& policy) {
  nlohmann::json doc = {{"immutable_tags", policy.immutable_tags}};
  if (policy.quota_bytes) doc["quota_bytes"] = *policy.quota_bytes;
  if (policy.retention) doc["retention"] = RetentionJson(*policy.retention);
  return doc.dump();
}

}  // namespace cangku::policy
