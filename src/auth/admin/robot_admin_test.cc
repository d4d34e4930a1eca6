// RobotAdmin on a real in-memory SQLite store: who manages which robots, the secret (shown once,
// stored hashed, rotated), grants, expiry and disabling.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth/admin/admin_test_fixture.h"
#include "auth/password.h"

namespace cangku::auth::admin {
namespace {

using testing::AdminTest;

class RobotAdminTest : public AdminTest {
 protected:
  void SetUp() override {
    AdminTest::SetUp();
    AddUser("root", /*admin=*/true);
    AddUser("alice");
    AddUser("bob");
    AddProject("lib", "alice");
  }

  static RobotSpec Spec(const std::string& project, const std::string& name,
                        std::vector<Action> actions = {Action::kPull, Action::kPush}) {
    return RobotSpec{.project = project,
                     .name = name,
                     .description = "ci",
                     .grants = {{.project = project.empty() ? "*" : "", .actions = actions}},
                     .expires_at = 0};
  }
};

TEST_F(RobotAdminTest, SecretIsShownOnceAndStoredHashed) {
  auto created = robots_->Create(User("alice"), Spec("lib", "ci"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->robot.name, "robot$lib+ci");
  EXPECT_EQ(created->robot.project, "lib");
  EXPECT_EQ(created->robot.created_by, "alice");
  EXPECT_EQ(created->secret.size(), 64u);
  auto stored = store_->GetRobot("robot$lib+ci");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->secret_hash, HashRobotSecret(created->secret));
  EXPECT_EQ(stored->secret_hash.find(created->secret), std::string::npos);
  auto permissions = nlohmann::json::parse(stored->permissions_json);
  EXPECT_EQ(permissions, nlohmann::json::parse(R"([{"project":"lib","actions":["pull","push"]}])"));
  EXPECT_TRUE(CanLogin("robot$lib+ci", created->secret));
  // Reading a robot never gives the secret back (only its hash, which the API does not show).
  auto read = robots_->Get(User("alice"), "robot$lib+ci");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->secret_hash, stored->secret_hash);
  auto audited = AuditEntries("robot.create");
  ASSERT_EQ(audited.size(), 1u);
  EXPECT_EQ(audited[0].detail.find(created->secret), std::string::npos);
}

TEST_F(RobotAdminTest, ProjectRobotsTakeManageRobots) {
  for (const char* role : {"maintainer", "developer", "guest", "limited-guest"}) {
    AddMember("lib", "bob", role);
    EXPECT_EQ(robots_->Create(User("bob"), Spec("lib", "x")).status().code(),
              StatusCode::kPermissionDenied)
        << role;
    EXPECT_EQ(robots_->List(User("bob"), "lib").status().code(), StatusCode::kPermissionDenied);
  }
  AddMember("lib", "bob", "project-admin");
  EXPECT_TRUE(robots_->Create(User("bob"), Spec("lib", "x")).ok());
  EXPECT_TRUE(robots_->Create(User("root"), Spec("lib", "y")).ok());
  auto listed = robots_->List(User("alice"), "lib");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "robot$lib+x");
  EXPECT_EQ(robots_->List(User("root"), "nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(robots_->Create(User("root"), Spec("nope", "x")).status().code(),
            StatusCode::kNotFound);
  // A robot manages no robots, whatever it may push.
  EXPECT_EQ(robots_->Create(Robot("robot$lib+x"), Spec("lib", "z")).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(AuditEntries("robot.create")[0].result, "denied");
}

TEST_F(RobotAdminTest, SystemRobotsAreForSystemAdmins) {
  EXPECT_EQ(robots_->Create(User("alice"), Spec("", "mirror")).status().code(),
            StatusCode::kPermissionDenied);
  auto mirror = robots_->Create(User("root"), Spec("", "mirror", {Action::kPull}));
  ASSERT_TRUE(mirror.ok()) << mirror.status().ToString();
  EXPECT_EQ(mirror->robot.name, "robot$mirror");
  EXPECT_EQ(mirror->robot.project, "");
  EXPECT_EQ(robots_->List(User("alice"), "").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(robots_->Get(User("alice"), "robot$mirror").status().code(),
            StatusCode::kPermissionDenied);
  auto listed = robots_->List(User("root"), "");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  // The robot pulls from every project ("*").
  EXPECT_TRUE(*access_->Allowed(Robot("robot$mirror").principal, "lib/app", Action::kPull));
  EXPECT_FALSE(*access_->Allowed(Robot("robot$mirror").principal, "lib/app", Action::kPush));
}

TEST_F(RobotAdminTest, BadSpecsAreRefused) {
  const Actor root = User("root");
  for (const char* bad : {"", "CI", "a+b", "a$b", "-ci", "ci-", "a--b"}) {
    EXPECT_EQ(robots_->Create(root, Spec("lib", bad)).status().code(), StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(robots_->Create(root, Spec("lib", std::string(65, 'a'))).status().code(),
            StatusCode::kInvalidArgument);
  RobotSpec other = Spec("lib", "ci");
  other.grants[0].project = "elsewhere";
  EXPECT_EQ(robots_->Create(root, other).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(robots_->Create(root, Spec("lib", "ci", {Action::kManageMembers})).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(robots_->Create(root, Spec("lib", "ci", {})).status().code(),
            StatusCode::kInvalidArgument);
  RobotSpec system = Spec("", "ci");
  system.grants[0].project = "";
  EXPECT_EQ(robots_->Create(root, system).status().code(), StatusCode::kInvalidArgument);
  RobotSpec expired = Spec("lib", "ci");
  expired.expires_at = kNow;
  EXPECT_EQ(robots_->Create(root, expired).status().code(), StatusCode::kInvalidArgument);
  expired.expires_at = kNow + 60;
  ASSERT_TRUE(robots_->Create(root, expired).ok());
  EXPECT_EQ(robots_->Create(root, Spec("lib", "ci")).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(robots_->Get(root, "robot$lib+nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(robots_->Get(root, "lib+ci").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(robots_->Delete(root, "robot$Lib+ci").code(), StatusCode::kInvalidArgument);
}

TEST_F(RobotAdminTest, DisablingExpiryAndGrantsChange) {
  auto created = robots_->Create(User("alice"), Spec("lib", "ci"));
  ASSERT_TRUE(created.ok());
  const std::string name = created->robot.name;
  EXPECT_EQ(robots_->Update(User("bob"), name, true, std::nullopt, std::nullopt, std::nullopt)
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  auto disabled = robots_->Update(User("alice"), name, true, std::nullopt, std::nullopt, "off");
  ASSERT_TRUE(disabled.ok()) << disabled.status().ToString();
  EXPECT_TRUE(disabled->disabled);
  EXPECT_EQ(disabled->credential_version, 2);
  EXPECT_EQ(disabled->description, "off");
  EXPECT_FALSE(CanLogin(name, created->secret));
  auto enabled = robots_->Update(
      User("alice"), name, false, kNow + 3600,
      std::vector<RobotGrant>{{.project = "", .actions = {Action::kPull}}}, std::nullopt);
  ASSERT_TRUE(enabled.ok()) << enabled.status().ToString();
  EXPECT_EQ(enabled->expires_at, kNow + 3600);
  EXPECT_EQ(enabled->permissions_json, R"([{"actions":["pull"],"project":"lib"}])");
  EXPECT_TRUE(CanLogin(name, created->secret));
  EXPECT_EQ(robots_->Update(User("alice"), name, std::nullopt, kNow - 1, std::nullopt, std::nullopt)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  // An expired robot cannot log in.
  clock_.now += std::chrono::seconds(3601);
  EXPECT_FALSE(CanLogin(name, created->secret));
  EXPECT_EQ(AuditEntries("robot.update")[0].result, "ok");
}

TEST_F(RobotAdminTest, RotationReplacesTheSecret) {
  auto created = robots_->Create(User("alice"), Spec("lib", "ci"));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(robots_->Rotate(User("bob"), "robot$lib+ci").status().code(),
            StatusCode::kPermissionDenied);
  auto rotated = robots_->Rotate(User("alice"), "robot$lib+ci");
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_NE(rotated->secret, created->secret);
  EXPECT_EQ(rotated->robot.credential_version, 2);
  EXPECT_FALSE(CanLogin("robot$lib+ci", created->secret));
  EXPECT_TRUE(CanLogin("robot$lib+ci", rotated->secret));
  EXPECT_EQ(robots_->Rotate(User("root"), "robot$lib+nope").status().code(), StatusCode::kNotFound);
  auto audited = AuditEntries("robot.rotate");
  ASSERT_EQ(audited.size(), 2u);
  EXPECT_EQ(audited[0].result, "ok");
  EXPECT_EQ(audited[0].resource, "robot robot$lib+ci");
  EXPECT_EQ(audited[1].result, "denied");
}

TEST_F(RobotAdminTest, Deletion) {
  ASSERT_TRUE(robots_->Create(User("alice"), Spec("lib", "ci")).ok());
  EXPECT_EQ(robots_->Delete(User("bob"), "robot$lib+ci").code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(robots_->Delete(User("alice"), "robot$lib+ci").ok());
  EXPECT_EQ(store_->GetRobot("robot$lib+ci").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(robots_->Delete(User("alice"), "robot$lib+ci").code(), StatusCode::kNotFound);
  EXPECT_EQ(AuditEntries("robot.delete")[0].project, "lib");
}

}  // namespace
}  // namespace cangku::auth::admin
