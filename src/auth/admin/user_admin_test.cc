// UserAdmin on a real in-memory SQLite store: who may do what, the name and password rules, the
// last-admin protection, password changes, htpasswd import and the first-start bootstrap.

#include <gtest/gtest.h>

#include "auth/admin/admin_test_fixture.h"
#include "auth/password.h"

namespace cangku::auth::admin {
namespace {

using testing::AdminTest;

class UserAdminTest : public AdminTest {
 protected:
  void SetUp() override {
    AdminTest::SetUp();
    AddUser("root", /*admin=*/true);
    AddUser("alice");
  }
};

TEST_F(UserAdminTest, OnlySystemAdminsCreateUsers) {
  auto bob = users_->Create(User("root"), "bob", "bob-password", false);
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  EXPECT_EQ(bob->name, "bob");
  EXPECT_FALSE(bob->admin);
  EXPECT_EQ(bob->created_at, kNow);
  EXPECT_EQ(users_->Create(User("alice"), "carol", "carol-password", false).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(users_->Create(Anonymous(), "carol", "carol-password", false).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(store_->GetUser("carol").status().code(), StatusCode::kNotFound);

  auto created = AuditEntries("user.create");
  ASSERT_GE(created.size(), 3u);
  EXPECT_EQ(created[0].result, "denied");
  EXPECT_EQ(created[0].actor, "");
  EXPECT_EQ(created[1].result, "denied");
  EXPECT_EQ(created[1].actor, "alice");
  EXPECT_EQ(created[1].address, "10.0.0.1");
  EXPECT_EQ(created[2].result, "ok");
  EXPECT_EQ(created[2].actor, "root");
  EXPECT_EQ(created[2].resource, "user bob");
}

TEST_F(UserAdminTest, NamesAndPasswordsAreChecked) {
  for (const char* bad : {"", "-bob", ".bob", "bo b", "bob$", "bob/x", "system"}) {
    EXPECT_EQ(users_->Create(System(), bad, "long-enough", false).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(users_->Create(System(), std::string(65, 'a'), "long-enough", false).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(users_->Create(System(), std::string(64, 'a'), "long-enough", false).ok());
  EXPECT_TRUE(users_->Create(System(), "Bob.Smith_2@example-org", "long-enough", false).ok());
  EXPECT_EQ(users_->Create(System(), "carol", "7-bytes", false).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(users_->Create(System(), "carol", std::string(73, 'x'), false).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(users_->Create(System(), "carol", std::string(72, 'x'), false).ok());
  EXPECT_EQ(users_->Create(System(), "carol", "long-enough", false).status().code(),
            StatusCode::kAlreadyExists);
}

TEST_F(UserAdminTest, PasswordsAreStoredAsBcrypt) {
  auto alice = store_->GetUser("alice");
  ASSERT_TRUE(alice.ok());
  EXPECT_TRUE(IsBcryptHash(alice->password_hash));
  EXPECT_EQ(alice->password_hash.find(PasswordOf("alice")), std::string::npos);
  EXPECT_TRUE(CanLogin("alice", PasswordOf("alice")));
  EXPECT_FALSE(CanLogin("alice", "wrong-password"));
}

TEST_F(UserAdminTest, ListAndGet) {
  auto all = users_->List(User("root"), {.last = "", .limit = 10});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "alice");
  auto page = users_->List(User("root"), {.last = "alice", .limit = 10});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].name, "root");
  EXPECT_EQ(users_->List(User("alice"), {.last = "", .limit = 10}).status().code(),
            StatusCode::kPermissionDenied);

  EXPECT_TRUE(users_->Get(User("alice"), "alice").ok());
  EXPECT_EQ(users_->Get(User("alice"), "root").status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(users_->Get(User("root"), "alice").ok());
  EXPECT_EQ(users_->Get(User("root"), "nobody").status().code(), StatusCode::kNotFound);
}

TEST_F(UserAdminTest, DisablingStopsLoginsAndBumpsTheCredentialVersion) {
  EXPECT_EQ(users_->Update(User("alice"), "root", std::nullopt, true).status().code(),
            StatusCode::kPermissionDenied);
  auto disabled = users_->Update(User("root"), "alice", std::nullopt, true);
  ASSERT_TRUE(disabled.ok()) << disabled.status().ToString();
  EXPECT_TRUE(disabled->disabled);
  EXPECT_EQ(disabled->credential_version, 2);
  EXPECT_FALSE(CanLogin("alice", PasswordOf("alice")));
  auto enabled = users_->Update(User("root"), "alice", true, false);
  ASSERT_TRUE(enabled.ok());
  EXPECT_TRUE(enabled->admin);
  EXPECT_EQ(enabled->credential_version, 2);
  EXPECT_TRUE(CanLogin("alice", PasswordOf("alice")));
  EXPECT_EQ(users_->Update(User("root"), "nobody", true, std::nullopt).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(AuditEntries("user.update")[0].detail, "admin=true disabled=false");
}

TEST_F(UserAdminTest, TheLastEnabledAdminStays) {
  EXPECT_EQ(users_->Update(User("root"), "root", false, std::nullopt).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(users_->Update(User("root"), "root", std::nullopt, true).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(users_->Delete(User("root"), "root").code(), StatusCode::kFailedPrecondition);
  // A disabled admin does not count.
  AddUser("root2", /*admin=*/true);
  ASSERT_TRUE(users_->Update(User("root"), "root2", std::nullopt, true).ok());
  EXPECT_EQ(users_->Delete(System(), "root").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(users_->Update(User("root"), "root2", std::nullopt, false).ok());
  EXPECT_TRUE(users_->Update(User("root"), "root", false, std::nullopt).ok());
  EXPECT_TRUE(users_->Delete(User("root2"), "root").ok());
  EXPECT_EQ(users_->Delete(User("root2"), "root2").code(), StatusCode::kFailedPrecondition);
}

TEST_F(UserAdminTest, ChangingOnesOwnPasswordTakesTheCurrentOne) {
  const std::string fresh = "a-new-password";
  EXPECT_EQ(users_->SetPassword(User("alice"), "alice", std::nullopt, fresh).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(users_->SetPassword(User("alice"), "alice", "wrong-password", fresh).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(users_->SetPassword(User("alice"), "alice", PasswordOf("alice"), "short").code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(CanLogin("alice", PasswordOf("alice")));
  ASSERT_TRUE(users_->SetPassword(User("alice"), "alice", PasswordOf("alice"), fresh).ok());
  EXPECT_FALSE(CanLogin("alice", PasswordOf("alice")));
  EXPECT_TRUE(CanLogin("alice", fresh));
  EXPECT_EQ(store_->GetUser("alice")->credential_version, 2);

  EXPECT_EQ(users_->SetPassword(User("alice"), "root", std::nullopt, fresh).code(),
            StatusCode::kPermissionDenied);
  // A system admin needs no current password.
  ASSERT_TRUE(users_->SetPassword(User("root"), "alice", std::nullopt, "third-password").ok());
  EXPECT_TRUE(CanLogin("alice", "third-password"));
  EXPECT_EQ(users_->SetPassword(User("root"), "nobody", std::nullopt, fresh).code(),
            StatusCode::kNotFound);
  auto audited = AuditEntries("user.password");
  ASSERT_EQ(audited.size(), 4u);
  EXPECT_EQ(audited[0].actor, "root");
  EXPECT_EQ(audited[1].result, "denied");
  EXPECT_EQ(audited[3].result, "denied");
  EXPECT_EQ(audited[3].detail, "the current password is wrong");
}

TEST_F(UserAdminTest, DeletingRemovesTheMemberships) {
  AddProject("lib");
  AddMember("lib", "alice", "developer");
  EXPECT_EQ(users_->Delete(User("alice"), "alice").code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(users_->Delete(User("root"), "alice").ok());
  EXPECT_EQ(store_->GetUser("alice").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->ListMembers("lib")->empty());
  EXPECT_EQ(users_->Delete(User("root"), "alice").code(), StatusCode::kNotFound);
  EXPECT_EQ(AuditEntries("user.delete")[0].resource, "user alice");
}

TEST_F(UserAdminTest, MembershipsOfOneselfOrAsAdmin) {
  AddProject("lib");
  AddMember("lib", "alice", "guest");
  auto mine = users_->Memberships(User("alice"), "alice");
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].role, "guest");
  EXPECT_TRUE(users_->Memberships(User("root"), "alice").ok());
  EXPECT_EQ(users_->Memberships(User("alice"), "root").status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(UserAdminTest, ImportsHtpasswd) {
  auto hash = [&](const std::string& password) { return *HashPassword(password, random_, 4); };
  std::string file =
      "# exported\n\nalice:" + hash("alice-imported") + "\ndave:" + hash("dave-imported") + "\r\n";
  EXPECT_EQ(users_->ImportHtpasswd(User("alice"), file).status().code(),
            StatusCode::kPermissionDenied);
  auto result = users_->ImportHtpasswd(User("root"), file);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->created, 1);
  EXPECT_EQ(result->updated, 1);
  EXPECT_TRUE(CanLogin("alice", "alice-imported"));
  EXPECT_FALSE(CanLogin("alice", PasswordOf("alice")));
  EXPECT_TRUE(CanLogin("dave", "dave-imported"));
  EXPECT_FALSE(store_->GetUser("dave")->admin);
  EXPECT_EQ(AuditEntries("user.import")[0].detail, "created 1, updated 1");

  // A bad line or name changes nothing.
  for (const std::string& bad : {"erin:" + hash("x-password") + "\nfrank:{SHA}abc\n",
                                 "erin:" + hash("x-password") + "\n-frank:" + hash("y") + "\n"}) {
    EXPECT_EQ(users_->ImportHtpasswd(User("root"), bad).status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->GetUser("erin").status().code(), StatusCode::kNotFound);
  }
  auto line = users_->ImportHtpasswd(User("root"), "ok:" + hash("p") + "\nbroken\n");
  EXPECT_NE(line.status().message().find("line 2"), std::string::npos) << line.status().ToString();
}

class BootstrapTest : public AdminTest {};

TEST_F(BootstrapTest, CreatesTheFirstAdminOnce) {
  auto generated = users_->Bootstrap("");
  ASSERT_TRUE(generated.ok()) << generated.status().ToString();
  ASSERT_TRUE(generated->has_value());
  EXPECT_EQ((*generated)->size(), 24u);
  EXPECT_TRUE(CanLogin("admin", **generated));
  EXPECT_TRUE(store_->GetUser("admin")->admin);
  auto again = users_->Bootstrap("another-password");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  auto audited = AuditEntries("user.create");
  ASSERT_EQ(audited.size(), 1u);
  EXPECT_EQ(audited[0].actor, "system");
  EXPECT_EQ(audited[0].resource, "user admin");
}

TEST_F(BootstrapTest, UsesTheGivenPasswordWithoutEchoingIt) {
  EXPECT_EQ(users_->Bootstrap("short").status().code(), StatusCode::kInvalidArgument);
  auto given = users_->Bootstrap("operator-chosen");
  ASSERT_TRUE(given.ok());
  ASSERT_TRUE(given->has_value());
  EXPECT_EQ(**given, "");
  EXPECT_TRUE(CanLogin("admin", "operator-chosen"));
}

}  // namespace
}  // namespace cangku::auth::admin
