#include "auth/admin/admin_test_fixture.h"

namespace cangku::auth::admin::testing {

void AdminTest::SetUp() {
  auto store = metadata::SqlMetadataStore::Create("sqlite::memory:", 1);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  store_ = std::move(store).value();
  auto signer = TokenSigner::Generate();
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  signer_ = std::move(signer).value();
  throttle_ = std::make_unique<LoginThrottle>();
  audit_ = std::make_unique<AuditLog>(*store_, clock_);
  access_ = std::make_unique<AccessControl>(*store_, clock_, /*auto_create_projects=*/false);
  authenticator_ = std::make_unique<Authenticator>(*store_, *signer_, *throttle_, *audit_, clock_,
                                                   AuthenticatorOptions{});
  ctx_ = std::make_unique<AdminContext>(AdminContext{*store_, *access_, *authenticator_, *audit_,
                                                     clock_, random_, /*bcrypt_cost=*/4});
  users_ = std::make_unique<UserAdmin>(*ctx_);
  projects_ = std::make_unique<ProjectAdmin>(*ctx_, [this](std::string_view project) {
    return StatusOr<bool>(projects_with_repositories_.count(std::string(project)) > 0);
  });
  robots_ = std::make_unique<RobotAdmin>(*ctx_);
}

Actor AdminTest::User(const std::string& name) {
  StatusOr<metadata::UserRecord> user = store_->GetUser(name);
  EXPECT_TRUE(user.ok()) << user.status().ToString();
  Actor actor{.principal = {}, .address = "10.0.0.1"};
  if (user.ok()) actor.principal = UserPrincipal(*user);
  return actor;
}

Actor AdminTest::Robot(const std::string& full_name) {
  StatusOr<metadata::RobotRecord> robot = store_->GetRobot(full_name);
  EXPECT_TRUE(robot.ok()) << robot.status().ToString();
  Actor actor{.principal = {}, .address = "10.0.0.2"};
  if (robot.ok()) actor.principal = RobotPrincipal(*robot);
  return actor;
}

Actor AdminTest::Anonymous() { return Actor{.principal = {}, .address = "10.0.0.3"}; }

void AdminTest::AddUser(const std::string& name, bool admin) {
  auto user = users_->Create(System(), name, PasswordOf(name), admin);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
}

void AdminTest::AddProject(const std::string& name, const std::string& owner, bool is_public) {
  Actor actor = owner.empty() ? System() : User(owner);
  auto project = projects_->Create(actor, name, is_public);
  ASSERT_TRUE(project.ok()) << project.status().ToString();
}

void AdminTest::AddMember(const std::string& project, const std::string& user,
                          const std::string& role) {
  auto member = projects_->PutMember(System(), project, user, role);
  ASSERT_TRUE(member.ok()) << member.status().ToString();
}

std::vector<metadata::AuditRecord> AdminTest::AuditEntries(const std::string& action) {
  Status flushed = audit_->Flush();
  EXPECT_TRUE(flushed.ok()) << flushed.ToString();
  metadata::AuditQuery query;
  query.limit = 1000;
  query.action = action;
  auto entries = store_->QueryAudit(query);
  EXPECT_TRUE(entries.ok()) << entries.status().ToString();
  return entries.ok() ? *entries : std::vector<metadata::AuditRecord>{};
}

bool AdminTest::CanLogin(const std::string& name, const std::string& secret) {
  authenticator_->Invalidate();
  return authenticator_->Login(name, secret, "10.0.0.9").ok();
}

}  // namespace cangku::auth::admin::testing
