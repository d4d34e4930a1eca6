#include "auth/scope.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/text.h"

namespace cangku::auth {
namespace {

using nlohmann::json;

void AddAction(std::vector<std::string>& actions, std::string_view action) {
  if (std::find(actions.begin(), actions.end(), action) == actions.end()) {
    actions.emplace_back(action);
  }
}

Status Malformed(std::string_view scope, std::string_view why) {
  return InvalidArgumentError("malformed scope " + QuoteForMessage(scope) + ": " +
                              std::string(why));
}

// "type:name:actions", where only the name may hold ':' (a registry host with a port).
StatusOr<Access> ParseScope(std::string_view scope) {
  size_t first = scope.find(':');
  size_t last = scope.rfind(':');
  if (first == std::string_view::npos || first == last) {
    return Malformed(scope, "expected type:name:actions");
  }
  Access access;
  access.type = std::string(scope.substr(0, first));
  access.name = std::string(scope.substr(first + 1, last - first - 1));
  if (access.type.empty()) return Malformed(scope, "empty type");
  if (access.name.empty()) return Malformed(scope, "empty name");
  std::string_view actions = scope.substr(last + 1);
  while (true) {
    size_t comma = actions.find(',');
    std::string_view action = actions.substr(0, comma);
    if (action.empty()) return Malformed(scope, "empty action");
    AddAction(access.actions, action);
    if (comma == std::string_view::npos) break;
    actions.remove_prefix(comma + 1);
  }
  return access;
}

void Merge(std::vector<Access>& all, Access access) {
  auto same = [&](const Access& a) { return a.type == access.type && a.name == access.name; };
  auto it = std::find_if(all.begin(), all.end(), same);
  if (it == all.end()) {
    all.push_back(std::move(access));
    return;
  }
  for (const std::string& action : access.actions) AddAction(it->actions, action);
}

Status BadClaim(std::string_view why) {
  return UnauthenticatedError("token claim \"access\" " + std::string(why));
}

StatusOr<Access> AccessFromJson(const json& entry) {
  if (!entry.is_object()) return BadClaim("holds a non-object");
  auto type = entry.find("type");
  auto name = entry.find("name");
  auto actions = entry.find("actions");
  if (type == entry.end() || !type->is_string() || name == entry.end() || !name->is_string()) {
    return BadClaim("holds an entry without a type or name");
  }
  if (actions == entry.end() || !actions->is_array()) {
    return BadClaim("holds an entry without an actions array");
  }
  Access access;
  access.type = type->get<std::string>();
  access.name = name->get<std::string>();
  for (const json& action : *actions) {
    if (!action.is_string()) return BadClaim("holds an action that is not a string");
    AddAction(access.actions, action.get_ref<const std::string&>());
  }
  return access;
}

}  // namespace

StatusOr<std::vector<Access>> ParseScopes(const std::vector<std::string>& scope_params) {
  std::vector<Access> all;
  for (const std::string& param : scope_params) {
    std::string_view rest = param;
    while (!rest.empty()) {
      size_t space = rest.find(' ');
      std::string_view scope = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
      if (scope.empty()) continue;  // Runs of spaces.
      ASSIGN_OR_RETURN(Access access, ParseScope(scope));
      Merge(all, std::move(access));
    }
  }
  return all;
}

json AccessClaim(const std::vector<Access>& access) {
  json claim = json::array();
  for (const Access& a : access) {
    claim.push_back({{"type", a.type}, {"name", a.name}, {"actions", a.actions}});
  }
  return claim;
}

StatusOr<std::vector<Access>> AccessFromClaims(const json& claims) {
  if (!claims.is_object()) return UnauthenticatedError("token claims are not a JSON object");
  std::vector<Access> all;
  auto claim = claims.find("access");
  if (claim == claims.end()) return all;
  if (!claim->is_array()) return BadClaim("is not an array");
  for (const json& entry : *claim) {
    ASSIGN_OR_RETURN(Access access, AccessFromJson(entry));
    all.push_back(std::move(access));
  }
  return all;
}

}  // namespace cangku::auth
