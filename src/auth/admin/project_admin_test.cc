// ProjectAdmin on a real in-memory SQLite store: creation, listing by visibility, the role each
// operation takes, members with the last-project-admin protection, and the permissions view.

#include <gtest/gtest.h>

#include "auth/admin/admin_test_fixture.h"

namespace cangku::auth::admin {
namespace {

using testing::AdminTest;

const std::vector<std::string> kRoles = {"project-admin", "maintainer", "developer", "guest",
                                         "limited-guest"};

class ProjectAdminTest : public AdminTest {
 protected:
  void SetUp() override {
    AdminTest::SetUp();
    AddUser("root", /*admin=*/true);
    for (const char* name : {"alice", "bob", "carol"}) AddUser(name);
    AddProject("lib", "alice");
  }

  std::vector<std::string> Names(const Actor& actor, const std::string& last = "",
                                 int limit = 100) {
    auto projects = projects_->List(actor, {.last = last, .limit = limit});
    EXPECT_TRUE(projects.ok()) << projects.status().ToString();
    std::vector<std::string> names;
    if (projects.ok()) {
      for (const auto& p : *projects) names.push_back(p.name);
    }
    return names;
  }
};

TEST_F(ProjectAdminTest, AnySignedInUserCreatesAndAdministers) {
  auto lib = store_->GetProject("lib");
  ASSERT_TRUE(lib.ok());
  EXPECT_EQ(lib->owner, "alice");
  EXPECT_FALSE(lib->is_public);
  EXPECT_EQ(lib->created_at, kNow);
  auto members = store_->ListMembers("lib");
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ((*members)[0].user, "alice");
  EXPECT_EQ((*members)[0].role, "project-admin");

  EXPECT_EQ(projects_->Create(Anonymous(), "anon", false).status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_TRUE(robots_->Create(System(), {.project = "lib", .name = "ci"}).ok());
  EXPECT_EQ(projects_->Create(Robot("robot$lib+ci"), "bot", false).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(projects_->Create(User("bob"), "lib", false).status().code(),
            StatusCode::kAlreadyExists);
  for (const char* bad : {"", "Lib", "a/b", "-a", "a--", "a..b", "a b"}) {
    EXPECT_EQ(projects_->Create(User("bob"), bad, false).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
  // The system creates projects without an owner or members.
  auto sys = projects_->Create(System(), "sys", true);
  ASSERT_TRUE(sys.ok());
  EXPECT_EQ(sys->owner, "");
  EXPECT_TRUE(store_->ListMembers("sys")->empty());
  auto audited = AuditEntries("project.create");
  EXPECT_EQ(audited[0].actor, "system");
  EXPECT_EQ(audited[0].detail, "public");
  EXPECT_EQ(audited.back().actor, "alice");
  EXPECT_EQ(audited.back().project, "lib");
}

TEST_F(ProjectAdminTest, ListingShowsWhatTheActorMayRead) {
  AddProject("pub", "bob", /*is_public=*/true);
  AddProject("zed", "carol");
  EXPECT_EQ(Names(User("root")), (std::vector<std::string>{"lib", "pub", "zed"}));
  EXPECT_EQ(Names(User("alice")), (std::vector<std::string>{"lib", "pub"}));
  EXPECT_EQ(Names(User("bob")), (std::vector<std::string>{"pub"}));
  EXPECT_EQ(Names(Anonymous()), (std::vector<std::string>{"pub"}));
  EXPECT_EQ(Names(User("carol")), (std::vector<std::string>{"pub", "zed"}));
  EXPECT_EQ(Names(User("carol"), "", 1), (std::vector<std::string>{"pub"}));
  EXPECT_EQ(Names(User("carol"), "pub", 1), (std::vector<std::string>{"zed"}));
  EXPECT_EQ(Names(User("root"), "lib", 1), (std::vector<std::string>{"pub"}));
  EXPECT_TRUE(Names(User("root"), "", 0).empty());
  // A robot sees the projects it may pull from.
  ASSERT_TRUE(robots_
                  ->Create(System(), {.project = "zed",
                                      .name = "ci",
                                      .grants = {{.project = "", .actions = {Action::kPull}}}})
                  .ok());
  EXPECT_EQ(Names(Robot("robot$zed+ci")), (std::vector<std::string>{"pub", "zed"}));
}

TEST_F(ProjectAdminTest, GetTakesReadAccess) {
  EXPECT_TRUE(projects_->Get(User("alice"), "lib").ok());
  EXPECT_TRUE(projects_->Get(User("root"), "lib").ok());
  EXPECT_EQ(projects_->Get(User("bob"), "lib").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(projects_->Get(User("root"), "nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(projects_->Get(User("root"), "No").status().code(), StatusCode::kInvalidArgument);
  AddMember("lib", "bob", "limited-guest");
  EXPECT_TRUE(projects_->Get(User("bob"), "lib").ok());
}

TEST_F(ProjectAdminTest, VisibilityAndDeletionTakeTheProjectAdminRole) {
  for (const std::string& role : kRoles) {
    AddMember("lib", "bob", role);
    StatusCode want = role == "project-admin" ? StatusCode::kOk : StatusCode::kPermissionDenied;
    EXPECT_EQ(projects_->Update(User("bob"), "lib", true).status().code(), want) << role;
  }
  EXPECT_TRUE(store_->GetProject("lib")->is_public);
  EXPECT_EQ(projects_->Update(User("carol"), "lib", false).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(projects_->Delete(User("carol"), "lib").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(projects_->Update(User("root"), "nope", true).status().code(), StatusCode::kNotFound);

  projects_with_repositories_.insert("lib");
  EXPECT_EQ(projects_->Delete(User("alice"), "lib").code(), StatusCode::kFailedPrecondition);
  projects_with_repositories_.clear();
  ASSERT_TRUE(projects_->Delete(User("alice"), "lib").ok());
  EXPECT_EQ(store_->GetProject("lib").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->ListMemberships("alice")->empty());
  EXPECT_EQ(projects_->Delete(User("root"), "lib").code(), StatusCode::kNotFound);
  auto denied = AuditEntries("project.update");
  EXPECT_EQ(denied[0].result, "denied");
  EXPECT_EQ(denied[0].actor, "carol");
  EXPECT_EQ(AuditEntries("project.delete")[0].result, "ok");
}

TEST_F(ProjectAdminTest, MembersTakeViewAndManageMembers) {
  for (const std::string& role : kRoles) {
    AddMember("lib", "bob", role);
    bool view = role != "limited-guest";
    bool manage = role == "project-admin";
    EXPECT_EQ(projects_->ListMembers(User("bob"), "lib").ok(), view) << role;
    EXPECT_EQ(projects_->PutMember(User("bob"), "lib", "carol", "guest").ok(), manage) << role;
    if (manage) {
      ASSERT_TRUE(projects_->DeleteMember(User("bob"), "lib", "carol").ok());
    }
  }
  EXPECT_EQ(projects_->ListMembers(User("carol"), "lib").status().code(),
            StatusCode::kPermissionDenied);
  auto members = projects_->ListMembers(User("root"), "lib");
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].user, "alice");
  EXPECT_EQ((*members)[1].role, "limited-guest");

  EXPECT_EQ(projects_->PutMember(User("alice"), "lib", "carol", "owner").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(projects_->PutMember(User("alice"), "lib", "nobody", "guest").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(projects_->PutMember(User("root"), "nope", "carol", "guest").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(projects_->DeleteMember(User("alice"), "lib", "carol").code(), StatusCode::kNotFound);
  auto put = AuditEntries("member.put");
  EXPECT_EQ(put[0].project, "lib");
  EXPECT_EQ(put[0].resource, "member carol");
  EXPECT_EQ(AuditEntries("member.delete").size(), 1u);
}

TEST_F(ProjectAdminTest, TheLastProjectAdminStays) {
  EXPECT_EQ(projects_->PutMember(User("alice"), "lib", "alice", "maintainer").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(projects_->DeleteMember(User("root"), "lib", "alice").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(projects_->PutMember(User("alice"), "lib", "alice", "project-admin").ok());
  ASSERT_TRUE(projects_->PutMember(User("alice"), "lib", "bob", "project-admin").ok());
  auto demoted = projects_->PutMember(User("bob"), "lib", "alice", "developer");
  ASSERT_TRUE(demoted.ok());
  EXPECT_EQ(demoted->role, "developer");
  EXPECT_EQ(demoted->created_at, kNow);
  EXPECT_EQ(projects_->DeleteMember(User("root"), "lib", "bob").code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(ProjectAdminTest, PermissionsFollowTheRoleTable) {
  for (const std::string& role : kRoles) {
    AddMember("lib", "bob", role);
    auto p = projects_->Permissions(User("bob"), "lib");
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    ASSERT_TRUE(p->role.has_value());
    EXPECT_EQ(RoleName(*p->role), role);
    std::vector<Action> want;
    for (int a = 0; a <= static_cast<int>(Action::kViewLog); ++a) {
      if (RoleAllows(*ParseRole(role), static_cast<Action>(a))) {
        want.push_back(static_cast<Action>(a));
      }
    }
    EXPECT_EQ(p->actions, want) << role;
  }
  auto root = projects_->Permissions(User("root"), "lib");
  ASSERT_TRUE(root.ok());
  EXPECT_FALSE(root->role.has_value());
  EXPECT_EQ(root->actions.size(), 9u);
  auto none = projects_->Permissions(User("carol"), "lib");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->actions.empty());
  ASSERT_TRUE(projects_->Update(User("alice"), "lib", true).ok());
  auto pub = projects_->Permissions(User("carol"), "lib");
  EXPECT_EQ(pub->actions, (std::vector<Action>{Action::kPull, Action::kList}));
  EXPECT_EQ(projects_->Permissions(User("carol"), "nope").status().code(), StatusCode::kNotFound);
}

TEST_F(ProjectAdminTest, EnsureForPushCreatesAPrivateProjectOnce) {
  ASSERT_TRUE(projects_->EnsureForPush(User("bob"), "bobs").ok());
  auto bobs = store_->GetProject("bobs");
  ASSERT_TRUE(bobs.ok());
  EXPECT_FALSE(bobs->is_public);
  EXPECT_EQ(bobs->owner, "bob");
  ASSERT_TRUE(projects_->EnsureForPush(User("carol"), "bobs").ok());
  EXPECT_EQ(store_->ListMembers("bobs")->size(), 1u);
  EXPECT_EQ(projects_->EnsureForPush(Anonymous(), "anon").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(AuditEntries("project.create")[0].detail, "private, at the first push");
}

}  // namespace
}  // namespace cangku::auth::admin
