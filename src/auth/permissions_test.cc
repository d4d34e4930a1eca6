#include "auth/permissions.h"

#include <gtest/gtest.h>

#include <string>

namespace cangku::auth {
namespace {

constexpr Role kRoles[] = {Role::kProjectAdmin, Role::kMaintainer, Role::kDeveloper, Role::kGuest,
                           Role::kLimitedGuest};
constexpr Action kActions[] = {
    Action::kPull,         Action::kList,           Action::kPush,
    Action::kDelete,       Action::kViewMembers,    Action::kManageMembers,
    Action::kManageRobots, Action::kManagePolicies, Action::kViewLog};

TEST(PermissionsTest, RoleTable) {
  // The table of permissions.h, row by row, columns in kActions order.
  const std::pair<Role, std::string> table[] = {
      {Role::kProjectAdmin, "yyyyyyyyy"}, {Role::kMaintainer, "yyyyynnyy"},
      {Role::kDeveloper, "yyynynnny"},    {Role::kGuest, "yynnynnny"},
      {Role::kLimitedGuest, "yynnnnnnn"},
  };
  for (const auto& [role, row] : table) {
    for (size_t i = 0; i < std::size(kActions); ++i) {
      EXPECT_EQ(RoleAllows(role, kActions[i]), row[i] == 'y')
          << RoleName(role) << " " << ActionName(kActions[i]);
    }
  }
}

TEST(PermissionsTest, RoleNames) {
  EXPECT_EQ(RoleName(Role::kProjectAdmin), "project-admin");
  EXPECT_EQ(RoleName(Role::kMaintainer), "maintainer");
  EXPECT_EQ(RoleName(Role::kDeveloper), "developer");
  EXPECT_EQ(RoleName(Role::kGuest), "guest");
  EXPECT_EQ(RoleName(Role::kLimitedGuest), "limited-guest");
  for (Role role : kRoles) EXPECT_EQ(ParseRole(RoleName(role)), role);
  EXPECT_EQ(ParseRole(""), std::nullopt);
  EXPECT_EQ(ParseRole("admin"), std::nullopt);
  EXPECT_EQ(ParseRole("Guest"), std::nullopt);
  EXPECT_EQ(ParseRole("guest "), std::nullopt);
}

TEST(PermissionsTest, ActionNames) {
  const char* names[] = {"pull",         "list",           "push",          "delete",
                         "view-members", "manage-members", "manage-robots", "manage-policies",
                         "view-log"};
  for (size_t i = 0; i < std::size(kActions); ++i) {
    EXPECT_EQ(ActionName(kActions[i]), names[i]);
    EXPECT_EQ(ParseAction(names[i]), kActions[i]);
  }
  EXPECT_EQ(ParseAction("*"), std::nullopt);
  EXPECT_EQ(ParseAction("PULL"), std::nullopt);
  EXPECT_EQ(ParseAction(""), std::nullopt);
}

}  // namespace
}  // namespace cangku::auth
