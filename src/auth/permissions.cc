#include "auth/permissions.h"

#include <array>
#include <utility>

namespace cangku::auth {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 5> kRoleNames = {{
    {Role::kProjectAdmin, "project-admin"},
    {Role::kMaintainer, "maintainer"},
    {Role::kDeveloper, "developer"},
    {Role::kGuest, "guest"},
    {Role::kLimitedGuest, "limited-guest"},
}};

constexpr std::array<std::pair<Action, std::string_view>, 9> kActionNames = {{
    {Action::kPull, "pull"},
    {Action::kList, "list"},
    {Action::kPush, "push"},
    {Action::kDelete, "delete"},
    {Action::kViewMembers, "view-members"},
    {Action::kManageMembers, "manage-members"},
    {Action::kManageRobots, "manage-robots"},
    {Action::kManagePolicies, "manage-policies"},
    {Action::kViewLog, "view-log"},
}};

// Each role holds every right of the roles below it, so the table of permissions.h is one
// threshold per action: the least role that may perform it.
int Rank(Role role) {
  switch (role) {
    case Role::kProjectAdmin:
      return 4;
    case Role::kMaintainer:
      return 3;
    case Role::kDeveloper:
      return 2;
    case Role::kGuest:
      return 1;
    case Role::kLimitedGuest:
      return 0;
  }
  return -1;
}

Role LeastRoleFor(Action action) {
  switch (action) {
    case Action::kPull:
    case Action::kList:
      return Role::kLimitedGuest;
    case Action::kViewMembers:
    case Action::kViewLog:
      return Role::kGuest;
    case Action::kPush:
      return Role::kDeveloper;
    case Action::kDelete:
    case Action::kManagePolicies:
      return Role::kMaintainer;
    case Action::kManageMembers:
    case Action::kManageRobots:
      return Role::kProjectAdmin;
  }
  return Role::kProjectAdmin;
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [role, n] : kRoleNames) {
    if (n == name) return role;
  }
  return std::nullopt;
}

std::string_view ActionName(Action action) {
  for (const auto& [a, name] : kActionNames) {
    if (a == action) return name;
  }
  return "unknown";
}

std::optional<Action> ParseAction(std::string_view name) {
  for (const auto& [action, n] : kActionNames) {
    if (n == name) return action;
  }
  return std::nullopt;
}

bool RoleAllows(Role role, Action action) {
  int rank = Rank(role);
  return rank >= 0 && rank >= Rank(LeastRoleFor(action));
}

}  // namespace cangku::auth
