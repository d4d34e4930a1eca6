#pragma once

// Internal to the admin service tests: the services over a real in-memory SQLite store, with a
// clock the tests move and the caches and audit log the server would use.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "auth/access_control.h"
#include "auth/admin/admin_context.h"
#include "auth/admin/project_admin.h"
#include "auth/admin/robot_admin.h"
#include "auth/admin/user_admin.h"
#include "auth/audit_log.h"
#include "auth/authenticator.h"
#include "auth/jwt.h"
#include "auth/login_throttle.h"
#include "common/clock.h"
#include "common/random.h"
#include "metadata/sql_metadata_store.h"

namespace cangku::auth::admin::testing {

// A clock that stands still until a test moves it.
class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override { return now; }
  std::chrono::system_clock::time_point now =
      std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
};

class AdminTest : public ::testing::Test {
 protected:
  static constexpr int64_t kNow = 1'700'000'000;

  void SetUp() override;

  // The actor for an existing user or robot account (as authentication would establish it).
  Actor User(const std::string& name);
  Actor Robot(const std::string& full_name);
  static Actor Anonymous();
  static Actor System() { return SystemActor("test"); }

  // Creates a user (password "pw-<name>-secret") as the system; fails the test on error.
  void AddUser(const std::string& name, bool admin = false);
  // Creates a project as `owner` (its project admin), or as the system when `owner` is empty.
  void AddProject(const std::string& name, const std::string& owner = "", bool is_public = false);
  // Makes `user` a member of `project` with `role`, as the system.
  void AddMember(const std::string& project, const std::string& user, const std::string& role);
  static std::string PasswordOf(const std::string& user) { return "pw-" + user + "-secret"; }

  // The audit log as written (flushes first), newest first, optionally of one action.
  std::vector<metadata::AuditRecord> AuditEntries(const std::string& action = "");
  // Whether the login succeeds (bypassing the caches).
  bool CanLogin(const std::string& name, const std::string& secret);

  FixedClock clock_;
  SystemRandom random_;
  std::unique_ptr<metadata::SqlMetadataStore> store_;
  std::unique_ptr<TokenSigner> signer_;
  std::unique_ptr<LoginThrottle> throttle_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<AccessControl> access_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<AdminContext> ctx_;
  std::unique_ptr<UserAdmin> users_;
  std::unique_ptr<ProjectAdmin> projects_;
  std::unique_ptr<RobotAdmin> robots_;
  std::set<std::string> projects_with_repositories_;
};

}  // namespace cangku::auth::admin::testing
