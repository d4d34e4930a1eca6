#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/permissions.h"
#include "auth/scope.h"

namespace cangku::auth {

// What a robot account may do: `actions` in `project` ("*": in every project).
struct RobotGrant {
  std::string project;
  std::vector<Action> actions;
};

// Who sent a request, as authentication established it.
struct Principal {
  enum class Kind { kAnonymous, kUser, kRobot };
  Kind kind = Kind::kAnonymous;
  std::string name;           // "" for anonymous
  bool system_admin = false;  // users only
  int64_t credential_version = 0;
  int64_t expires_at = 0;                // robots: when the account expires (0: never)
  std::vector<RobotGrant> robot_grants;  // robots only
  // Set when the request carried a bearer token: nothing beyond this access is allowed, whatever
  // the account could do otherwise.
  std::optional<std::vector<Access>> token_access;

  bool anonymous() const { return kind == Kind::kAnonymous; }
};

}  // namespace cangku::auth
