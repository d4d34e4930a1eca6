#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace cangku::auth {

// One resource access of the Docker token spec: type "repository" (name = repository, actions
// "pull", "push", "delete", "*") or "registry" (name "catalog", action "*").
struct Access {
  std::string type;
  std::string name;
  std::vector<std::string> actions;  // distinct, in the order given
  bool operator==(const Access&) const = default;
};

// Parses the `scope` parameters of a token request. Each parameter holds one or more scopes
// separated by spaces; a scope is "type:name:action[,action...]" where the name may itself
// contain ':' (a registry host with a port): the type ends at the first ':', the actions start
// after the last. Scopes for the same type and name are merged. Errors: kInvalidArgument naming
// the malformed scope (fewer than three parts, empty type, name or action).
StatusOr<std::vector<Access>> ParseScopes(const std::vector<std::string>& scope_params);

// The "access" claim of a token: [{"type":..,"name":..,"actions":[..]}...].
nlohmann::json AccessClaim(const std::vector<Access>& access);
// The access list of a verified token's claims; a missing claim is an empty list. Errors:
// kUnauthenticated when the claim is not the shape above.
StatusOr<std::vector<Access>> AccessFromClaims(const nlohmann::json& claims);

}  // namespace cangku::auth
