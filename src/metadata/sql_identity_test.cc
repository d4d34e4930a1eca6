// IdentityStore of SqlMetadataStore (users, projects, members, robots), on every backend.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_test_fixture.h"

namespace cangku::metadata {
namespace {

using testing::SqlStoreTest;

class SqlIdentityTest : public SqlStoreTest {
 protected:
  static UserRecord User(const std::string& name) {
    return UserRecord{.name = name,
                      .password_hash = "$2b$10$" + name,
                      .admin = false,
                      .disabled = false,
                      .credential_version = 1,
                      .created_at = 100,
                      .updated_at = 100};
  }
  static ProjectRecord Project(const std::string& name, bool is_public = false) {
    return ProjectRecord{.name = name, .is_public = is_public, .owner = "admin", .created_at = 200};
  }
  static RobotRecord Robot(const std::string& project, const std::string& name) {
    std::string full = project.empty() ? "robot$" + name : "robot$" + project + "+" + name;
    return RobotRecord{.name = full,
                       .project = project,
                       .description = "ci for " + name,
                       .secret_hash = std::string(64, 'a'),
                       .permissions_json = R"([{"action":"push"}])",
                       .expires_at = 5000,
                       .disabled = false,
                       .credential_version = 1,
                       .created_by = "admin",
                       .created_at = 300,
                       .updated_at = 300};
  }

  void AddUser(const std::string& name) { ASSERT_TRUE(store_->CreateUser(User(name)).ok()); }
  void AddProject(const std::string& name) {
    ASSERT_TRUE(store_->CreateProject(Project(name)).ok());
  }
  void AddMember(const std::string& project, const std::string& user, const std::string& role) {
    Status s = store_->PutMember({.project = project, .user = user, .role = role, .created_at = 7});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::vector<std::string> UserNames(const PageRequest& page) {
    auto users = store_->ListUsers(page);
    EXPECT_TRUE(users.ok()) << users.status().ToString();
    std::vector<std::string> names;
    for (const UserRecord& u : *users) names.push_back(u.name);
    return names;
  }
  std::vector<std::string> ProjectNames(const PageRequest& page) {
    auto projects = store_->ListProjects(page);
    EXPECT_TRUE(projects.ok()) << projects.status().ToString();
    std::vector<std::string> names;
    for (const ProjectRecord& p : *projects) names.push_back(p.name);
    return names;
  }
  // "user:role" of the project's members, in the store's order.
  std::vector<std::string> Members(const std::string& project) {
    auto members = store_->ListMembers(project);
    EXPECT_TRUE(members.ok()) << members.status().ToString();
    std::vector<std::string> out;
    for (const MemberRecord& m : *members) out.push_back(m.user + ":" + m.role);
    return out;
  }
  // "project:role" of the user's memberships, in the store's order.
  std::vector<std::string> Memberships(const std::string& user) {
    auto members = store_->ListMemberships(user);
    EXPECT_TRUE(members.ok()) << members.status().ToString();
    std::vector<std::string> out;
    for (const MemberRecord& m : *members) out.push_back(m.project + ":" + m.role);
    return out;
  }
  std::vector<std::string> RobotNames(const std::string& project) {
    auto robots = store_->ListRobots(project);
    EXPECT_TRUE(robots.ok()) << robots.status().ToString();
    std::vector<std::string> names;
    for (const RobotRecord& r : *robots) names.push_back(r.name);
    return names;
  }
};

using Names = std::vector<std::string>;

TEST_P(SqlIdentityTest, UserRoundTripsAndDuplicateIsAlreadyExists) {
  UserRecord alice = User("alice");
  alice.admin = true;
  alice.disabled = true;
  alice.credential_version = 9;
  alice.updated_at = 150;
  ASSERT_TRUE(store_->CreateUser(alice).ok());
  auto got = store_->GetUser("alice");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "alice");
  EXPECT_EQ(got->password_hash, alice.password_hash);
  EXPECT_TRUE(got->admin);
  EXPECT_TRUE(got->disabled);
  EXPECT_EQ(got->credential_version, 9);
  EXPECT_EQ(got->created_at, 100);
  EXPECT_EQ(got->updated_at, 150);

  UserRecord again = User("alice");
  EXPECT_EQ(store_->CreateUser(again).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(store_->GetUser("alice")->admin);  // the first one is untouched
  EXPECT_EQ(store_->GetUser("bob").status().code(), StatusCode::kNotFound);
}

TEST_P(SqlIdentityTest, ListUsersPagesInByteOrder) {
  EXPECT_EQ(UserNames({}), Names{});
  for (const char* name : {"bob", "alice", "Zed", "b", "carol"}) AddUser(name);
  EXPECT_EQ(UserNames({}), (Names{"Zed", "alice", "b", "bob", "carol"}));
  EXPECT_EQ(UserNames({.last = "", .limit = 2}), (Names{"Zed", "alice"}));
  EXPECT_EQ(UserNames({.last = "alice", .limit = 2}), (Names{"b", "bob"}));
  EXPECT_EQ(UserNames({.last = "bob", .limit = 2}), (Names{"carol"}));
  EXPECT_EQ(UserNames({.last = "carol", .limit = 2}), Names{});
  EXPECT_EQ(UserNames({.last = "a", .limit = 100}), (Names{"alice", "b", "bob", "carol"}));
}

TEST_P(SqlIdentityTest, UpdateUserReplacesAllButNameAndCreatedAt) {
  AddUser("alice");
  UserRecord changed{.name = "alice",
                     .password_hash = "$2b$10$new",
                     .admin = true,
                     .disabled = true,
                     .credential_version = 2,
                     .created_at = 999,
                     .updated_at = 500};
  ASSERT_TRUE(store_->UpdateUser(changed).ok());
  auto got = store_->GetUser("alice");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->password_hash, "$2b$10$new");
  EXPECT_TRUE(got->admin);
  EXPECT_TRUE(got->disabled);
  EXPECT_EQ(got->credential_version, 2);
  EXPECT_EQ(got->created_at, 100);
  EXPECT_EQ(got->updated_at, 500);
  changed.admin = false;
  changed.disabled = false;
  ASSERT_TRUE(store_->UpdateUser(changed).ok());
  EXPECT_FALSE(store_->GetUser("alice")->admin);
  EXPECT_FALSE(store_->GetUser("alice")->disabled);
  EXPECT_EQ(store_->UpdateUser(User("bob")).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetUser("bob").status().code(), StatusCode::kNotFound);
}

TEST_P(SqlIdentityTest, DeleteUserRemovesOnlyItsMemberships) {
  AddUser("alice");
  AddUser("bob");
  AddProject("lib");
  AddProject("app");
  AddMember("lib", "alice", "developer");
  AddMember("app", "alice", "guest");
  AddMember("lib", "bob", "maintainer");
  ASSERT_TRUE(store_->DeleteUser("alice").ok());
  EXPECT_EQ(store_->GetUser("alice").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Memberships("alice"), Names{});
  EXPECT_EQ(Members("lib"), Names{"bob:maintainer"});
  EXPECT_EQ(Members("app"), Names{});
  EXPECT_EQ(store_->DeleteUser("alice").code(), StatusCode::kNotFound);
  AddUser("alice");  // the name is free again, without the old memberships
  EXPECT_EQ(Memberships("alice"), Names{});
}

TEST_P(SqlIdentityTest, ProjectRoundTripsAndDuplicateIsAlreadyExists) {
  ASSERT_TRUE(store_->CreateProject(Project("lib", true)).ok());
  ASSERT_TRUE(store_->CreateProject({.name = "sys", .created_at = 1}).ok());
  auto got = store_->GetProject("lib");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "lib");
  EXPECT_TRUE(got->is_public);
  EXPECT_EQ(got->owner, "admin");
  EXPECT_EQ(got->created_at, 200);
  EXPECT_EQ(store_->GetProject("sys")->owner, "");
  EXPECT_FALSE(store_->GetProject("sys")->is_public);
  EXPECT_EQ(store_->CreateProject(Project("lib", false)).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(store_->GetProject("lib")->is_public);
  EXPECT_EQ(store_->GetProject("li").status().code(), StatusCode::kNotFound);
}

TEST_P(SqlIdentityTest, ListProjectsPagesInByteOrder) {
  EXPECT_EQ(ProjectNames({}), Names{});
  for (const char* name : {"lib", "Lib", "lib-2", "lib0", "app"}) AddProject(name);
  EXPECT_EQ(ProjectNames({}), (Names{"Lib", "app", "lib", "lib-2", "lib0"}));
  EXPECT_EQ(ProjectNames({.last = "", .limit = 3}), (Names{"Lib", "app", "lib"}));
  EXPECT_EQ(ProjectNames({.last = "lib", .limit = 3}), (Names{"lib-2", "lib0"}));
  EXPECT_EQ(ProjectNames({.last = "lib0", .limit = 3}), Names{});
}

TEST_P(SqlIdentityTest, UpdateProjectReplacesVisibilityAndOwner) {
  AddProject("lib");
  ASSERT_TRUE(store_->UpdateProject({.name = "lib", .is_public = true, .owner = "bob"}).ok());
  auto got = store_->GetProject("lib");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->is_public);
  EXPECT_EQ(got->owner, "bob");
  EXPECT_EQ(got->created_at, 200);
  EXPECT_EQ(store_->UpdateProject(Project("app")).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetProject("app").status().code(), StatusCode::kNotFound);
}

TEST_P(SqlIdentityTest, DeleteProjectRemovesMembersRobotsAndPolicy) {
  AddUser("alice");
  AddProject("lib");
  AddProject("app");
  AddMember("lib", "alice", "developer");
  AddMember("app", "alice", "guest");
  ASSERT_TRUE(store_->CreateRobot(Robot("lib", "ci")).ok());
  ASSERT_TRUE(store_->CreateRobot(Robot("app", "ci")).ok());
  ASSERT_TRUE(store_->CreateRobot(Robot("", "ops")).ok());
  ASSERT_TRUE(store_->PutProjectPolicy("lib", "{}", 1).ok());
  ASSERT_TRUE(store_->PutProjectPolicy("app", "{}", 1).ok());

  ASSERT_TRUE(store_->DeleteProject("lib").ok());
  EXPECT_EQ(store_->GetProject("lib").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListMembers("lib").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Memberships("alice"), Names{"app:guest"});
  EXPECT_EQ(store_->GetRobot("robot$lib+ci").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(RobotNames("lib"), Names{});
  EXPECT_EQ(RobotNames("app"), Names{"robot$app+ci"});
  EXPECT_EQ(RobotNames(""), Names{"robot$ops"});
  EXPECT_FALSE(store_->GetProjectPolicy("lib")->has_value());
  EXPECT_TRUE(store_->GetProjectPolicy("app")->has_value());
  EXPECT_TRUE(store_->GetUser("alice").ok());
  EXPECT_EQ(store_->DeleteProject("lib").code(), StatusCode::kNotFound);
  AddProject("lib");  // created again, it starts empty
  EXPECT_EQ(Members("lib"), Names{});
  EXPECT_EQ(RobotNames("lib"), Names{});
}

TEST_P(SqlIdentityTest, PutMemberNeedsProjectAndUser) {
  AddUser("alice");
  AddProject("lib");
  MemberRecord member{.project = "lib", .user = "bob", .role = "guest", .created_at = 1};
  Status s = store_->PutMember(member);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "user bob unknown");
  member = {.project = "app", .user = "alice", .role = "guest", .created_at = 1};
  s = store_->PutMember(member);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "project app unknown");
  EXPECT_EQ(Members("lib"), Names{});
  EXPECT_EQ(Memberships("alice"), Names{});
}

TEST_P(SqlIdentityTest, PutMemberAddsThenChangesTheRole) {
  AddUser("alice");
  AddProject("lib");
  AddMember("lib", "alice", "developer");
  ASSERT_TRUE(
      store_->PutMember({.project = "lib", .user = "alice", .role = "guest", .created_at = 99})
          .ok());
  auto members = store_->ListMembers("lib");
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ((*members)[0].project, "lib");
  EXPECT_EQ((*members)[0].user, "alice");
  EXPECT_EQ((*members)[0].role, "guest");
  EXPECT_EQ((*members)[0].created_at, 7);  // a changed role keeps when the member was added
}

TEST_P(SqlIdentityTest, ListMembersAndMembershipsAreOrderedByName) {
  for (const char* user : {"carol", "alice", "Bob"}) AddUser(user);
  for (const char* project : {"lib", "app", "Zoo", "empty"}) AddProject(project);
  AddMember("lib", "carol", "guest");
  AddMember("lib", "alice", "developer");
  AddMember("lib", "Bob", "maintainer");
  AddMember("app", "alice", "project-admin");
  AddMember("Zoo", "alice", "limited-guest");
  EXPECT_EQ(Members("lib"), (Names{"Bob:maintainer", "alice:developer", "carol:guest"}));
  EXPECT_EQ(Members("app"), Names{"alice:project-admin"});
  EXPECT_EQ(Members("empty"), Names{});
  EXPECT_EQ(store_->ListMembers("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Memberships("alice"),
            (Names{"Zoo:limited-guest", "app:project-admin", "lib:developer"}));
  EXPECT_EQ(Memberships("carol"), Names{"lib:guest"});
  EXPECT_EQ(Memberships("nobody"), Names{});
}

TEST_P(SqlIdentityTest, DeleteMember) {
  AddUser("alice");
  AddUser("bob");
  AddProject("lib");
  AddMember("lib", "alice", "developer");
  AddMember("lib", "bob", "guest");
  ASSERT_TRUE(store_->DeleteMember("lib", "alice").ok());
  EXPECT_EQ(Members("lib"), Names{"bob:guest"});
  EXPECT_EQ(store_->DeleteMember("lib", "alice").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteMember("app", "bob").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteMember("lib", "nobody").code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetUser("alice").ok());  // only the membership goes
}

TEST_P(SqlIdentityTest, RobotRoundTripsAndDuplicateIsAlreadyExists) {
  AddProject("lib");
  RobotRecord robot = Robot("lib", "ci");
  robot.disabled = true;
  ASSERT_TRUE(store_->CreateRobot(robot).ok());
  auto got = store_->GetRobot("robot$lib+ci");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "robot$lib+ci");
  EXPECT_EQ(got->project, "lib");
  EXPECT_EQ(got->description, "ci for ci");
  EXPECT_EQ(got->secret_hash, robot.secret_hash);
  EXPECT_EQ(got->permissions_json, robot.permissions_json);
  EXPECT_EQ(got->expires_at, 5000);
  EXPECT_TRUE(got->disabled);
  EXPECT_EQ(got->credential_version, 1);
  EXPECT_EQ(got->created_by, "admin");
  EXPECT_EQ(got->created_at, 300);
  EXPECT_EQ(got->updated_at, 300);
  EXPECT_EQ(store_->CreateRobot(Robot("lib", "ci")).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(store_->GetRobot("robot$lib+ci")->disabled);  // untouched

  ASSERT_TRUE(store_->CreateRobot({.name = "robot$ops", .secret_hash = "x"}).ok());
  auto system = store_->GetRobot("robot$ops");
  ASSERT_TRUE(system.ok());
  EXPECT_EQ(system->project, "");
  EXPECT_EQ(system->permissions_json, "[]");
  EXPECT_EQ(system->expires_at, 0);
  EXPECT_EQ(store_->GetRobot("robot$nope").status().code(), StatusCode::kNotFound);
}

TEST_P(SqlIdentityTest, CreateRobotNeedsItsProject) {
  Status s = store_->CreateRobot(Robot("lib", "ci"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "project lib unknown");
  EXPECT_EQ(store_->GetRobot("robot$lib+ci").status().code(), StatusCode::kNotFound);
}

TEST_P(SqlIdentityTest, ListRobotsByProjectOrderedByName) {
  AddProject("lib");
  AddProject("app");
  for (const char* name : {"zz", "ci", "Build"}) {
    ASSERT_TRUE(store_->CreateRobot(Robot("lib", name)).ok());
  }
  ASSERT_TRUE(store_->CreateRobot(Robot("app", "ci")).ok());
  ASSERT_TRUE(store_->CreateRobot(Robot("", "ops")).ok());
  ASSERT_TRUE(store_->CreateRobot(Robot("", "backup")).ok());
  EXPECT_EQ(RobotNames("lib"), (Names{"robot$lib+Build", "robot$lib+ci", "robot$lib+zz"}));
  EXPECT_EQ(RobotNames("app"), Names{"robot$app+ci"});
  EXPECT_EQ(RobotNames(""), (Names{"robot$backup", "robot$ops"}));
  EXPECT_EQ(RobotNames("nope"), Names{});
  auto robots = store_->ListRobots("lib");
  ASSERT_TRUE(robots.ok());
  EXPECT_EQ((*robots)[1].description, "ci for ci");
  EXPECT_EQ((*robots)[1].permissions_json, R"([{"action":"push"}])");
}

TEST_P(SqlIdentityTest, UpdateRobotReplacesAllButIdentityAndCreation) {
  AddProject("lib");
  ASSERT_TRUE(store_->CreateRobot(Robot("lib", "ci")).ok());
  RobotRecord changed{.name = "robot$lib+ci",
                      .project = "other",
                      .description = "new",
                      .secret_hash = std::string(64, 'b'),
                      .permissions_json = "[]",
                      .expires_at = 0,
                      .disabled = true,
                      .credential_version = 2,
                      .created_by = "mallory",
                      .created_at = 1,
                      .updated_at = 400};
  ASSERT_TRUE(store_->UpdateRobot(changed).ok());
  auto got = store_->GetRobot("robot$lib+ci");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->project, "lib");
  EXPECT_EQ(got->description, "new");
  EXPECT_EQ(got->secret_hash, std::string(64, 'b'));
  EXPECT_EQ(got->permissions_json, "[]");
  EXPECT_EQ(got->expires_at, 0);
  EXPECT_TRUE(got->disabled);
  EXPECT_EQ(got->credential_version, 2);
  EXPECT_EQ(got->created_by, "admin");
  EXPECT_EQ(got->created_at, 300);
  EXPECT_EQ(got->updated_at, 400);
  changed.name = "robot$nope";
  EXPECT_EQ(store_->UpdateRobot(changed).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetRobot("robot$nope").status().code(), StatusCode::kNotFound);
}

TEST_P(SqlIdentityTest, DeleteRobot) {
  AddProject("lib");
  ASSERT_TRUE(store_->CreateRobot(Robot("lib", "ci")).ok());
  ASSERT_TRUE(store_->CreateRobot(Robot("lib", "cd")).ok());
  ASSERT_TRUE(store_->DeleteRobot("robot$lib+ci").ok());
  EXPECT_EQ(store_->GetRobot("robot$lib+ci").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(RobotNames("lib"), Names{"robot$lib+cd"});
  EXPECT_EQ(store_->DeleteRobot("robot$lib+ci").code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetProject("lib").ok());
}

TEST_P(SqlIdentityTest, ConcurrentCreatesOfOneNameLetExactlyOneWin) {
  constexpr int kThreads = 4;
  std::atomic<int> created{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        std::string name = "user" + std::to_string(round);
        Status s = store_->CreateUser(User(name));
        (s.ok() ? created : duplicates)++;
        EXPECT_TRUE(s.ok() || s.code() == StatusCode::kAlreadyExists) << s.ToString();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(created.load(), 5);
  EXPECT_EQ(duplicates.load(), 5 * (kThreads - 1));
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlIdentityTest, CANGKU_SQL_BACKENDS());

}  // namespace
}  // namespace cangku::metadata
