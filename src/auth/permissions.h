#pragma once

#include <optional>
#include <string_view>

namespace cangku::auth {

// The roles of a project member, with Harbor's meaning.
enum class Role { kProjectAdmin, kMaintainer, kDeveloper, kGuest, kLimitedGuest };

// What can be done in a project.
enum class Action {
  kPull,            // read manifests and blobs
  kList,            // list the project's repositories (catalog) and tags
  kPush,            // upload blobs and manifests, mount
  kDelete,          // delete manifests, tags and blob links
  kViewMembers,     // list members
  kManageMembers,   // add, change and remove members
  kManageRobots,    // create, change and remove project robots
  kManagePolicies,  // immutability, retention, quota
  kViewLog,         // read the project's audit log
};

// "project-admin", "maintainer", "developer", "guest", "limited-guest".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
// "pull", "list", "push", "delete", "view-members", "manage-members", "manage-robots",
// "manage-policies", "view-log".
std::string_view ActionName(Action action);
std::optional<Action> ParseAction(std::string_view name);

// The role table (docs/access.md shows it):
//                   pull list push delete view-members manage-members manage-robots
//                   manage-policies view-log
//   project-admin    y    y    y    y       y            y              y             y  y
//   maintainer       y    y    y    y       y            n              n             y  y
//   developer        y    y    y    n       y            n              n             n  y
//   guest            y    y    n    n       y            n              n             n  y
//   limited-guest    y    y    n    n       n            n              n             n  n
// A public project grants pull and list to everyone, anonymous clients included.
bool RoleAllows(Role role, Action action);

}  // namespace cangku::auth
