// AccessControl, Authenticator, TokenIssuer and AuditLog over a real in-memory SQLite store.

#include <gtest/gtest.h>

#include "auth/admin/admin_test_fixture.h"
#include "auth/password.h"
#include "auth/token_issuer.h"

namespace cangku::auth {
namespace {

using admin::testing::AdminTest;

std::string BasicHeader(const std::string& user, const std::string& password) {
  std::string raw = user + ":" + password;
  std::string out;
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < raw.size(); i += 3) {
    uint32_t v = (uint8_t(raw[i]) << 16) | (uint8_t(raw[i + 1]) << 8) | uint8_t(raw[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < raw.size()) {
    uint32_t v = uint8_t(raw[i]) << 16;
    if (i + 1 < raw.size()) v |= uint8_t(raw[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < raw.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return "Basic " + out;
}

class AccessTest : public AdminTest {
 protected:
  void SetUp() override {
    AdminTest::SetUp();
    AddUser("alice");
    AddUser("root", /*admin=*/true);
    AddProject("pub", "", /*is_public=*/true);
    AddProject("priv");
    AddMember("priv", "alice", "developer");
    issuer_ = std::make_unique<TokenIssuer>(*signer_, *access_, *authenticator_, clock_, random_,
                                            TokenOptions{});
  }
  Principal Login(const std::string& name) {
    StatusOr<Principal> p = authenticator_->Login(name, PasswordOf(name), "10.0.0.9");
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? *p : Principal{};
  }
  bool Allowed(const Principal& p, const std::string& repo, Action a) {
    StatusOr<bool> ok = access_->Allowed(p, repo, a);
    EXPECT_TRUE(ok.ok()) << ok.status().ToString();
    return ok.ok() && *ok;
  }
  std::unique_ptr<TokenIssuer> issuer_;
};

TEST_F(AccessTest, RolesVisibilityAndAdmin) {
  Principal anon;
  Principal alice = Login("alice");
  Principal root = Login("root");
  EXPECT_TRUE(Allowed(anon, "pub/app", Action::kPull));
  EXPECT_FALSE(Allowed(anon, "pub/app", Action::kPush));
  EXPECT_FALSE(Allowed(anon, "priv/app", Action::kPull));
  EXPECT_TRUE(Allowed(alice, "priv/app", Action::kPush));
  EXPECT_FALSE(Allowed(alice, "priv/app", Action::kDelete));
  EXPECT_FALSE(Allowed(alice, "pub/app", Action::kPush));
  EXPECT_TRUE(Allowed(root, "priv/app", Action::kDelete));
  // No project record: system admins only (auto-create is off in this fixture).
  EXPECT_FALSE(Allowed(alice, "ghost/app", Action::kPull));
  EXPECT_TRUE(Allowed(root, "ghost/app", Action::kPull));
}

TEST_F(AccessTest, CacheAnswersWithoutTheStoreUntilInvalidated) {
  Principal alice = Login("alice");
  EXPECT_FALSE(access_->TryAllowed(alice, "priv/app", Action::kPull).has_value());
  EXPECT_TRUE(Allowed(alice, "priv/app", Action::kPull));
  EXPECT_EQ(access_->TryAllowed(alice, "priv/app", Action::kPull), std::optional<bool>(true));
  ASSERT_TRUE(projects_->DeleteMember(System(), "priv", "alice").ok());
  // DeleteMember invalidates: the next decision reads the store again.
  EXPECT_FALSE(Allowed(alice, "priv/app", Action::kPull));
}

TEST_F(AccessTest, BasicCredentialsAreCheckedAndCached) {
  StatusOr<Principal> p =
      authenticator_->Authenticate(BasicHeader("alice", PasswordOf("alice")), "a");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "alice");
  auto cached = authenticator_->TryAuthenticate(BasicHeader("alice", PasswordOf("alice")));
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ((*cached)->name, "alice");
  EXPECT_FALSE(authenticator_->TryAuthenticate(BasicHeader("alice", "wrong")).has_value());
  p = authenticator_->Authenticate(BasicHeader("alice", "wrong"), "a");
  EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(p.status().message(), "invalid username or password");
  p = authenticator_->Authenticate(BasicHeader("nobody", "wrong"), "a");
  EXPECT_EQ(p.status().message(), "invalid username or password");
  p = authenticator_->Authenticate(std::string_view("Digest abc"), "a");
  EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
  p = authenticator_->Authenticate(std::string_view("Basic !!!"), "a");
  EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccessTest, FailedLoginsAreThrottledAndAudited) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(authenticator_->Login("alice", "wrong", "10.1.1.1").status().code(),
              StatusCode::kUnauthenticated);
  }
  StatusOr<Principal> p = authenticator_->Login("alice", PasswordOf("alice"), "10.1.1.1");
  EXPECT_EQ(p.status().code(), StatusCode::kResourceExhausted);
  std::vector<metadata::AuditRecord> failures = AuditEntries("login");
  ASSERT_EQ(failures.size(), 6u);
  EXPECT_EQ(failures.front().detail, "throttled");
  EXPECT_EQ(failures.back().address, "10.1.1.1");
  EXPECT_EQ(failures.back().result, "failed");
}

TEST_F(AccessTest, TokenGrantsTheIntersection) {
  Principal alice = Login("alice");
  std::vector<Access> wanted = {{"repository", "priv/app", {"pull", "push", "delete"}},
                                {"repository", "pub/app", {"*"}},
                                {"repository", "other/app", {"pull"}},
                                {"registry", "catalog", {"*"}},
                                {"repository", "Bad Name", {"pull"}}};
  StatusOr<IssuedToken> token = issuer_->Issue(alice, wanted, /*offline=*/false);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  ASSERT_EQ(token->granted.size(), 4u);
  EXPECT_EQ(token->granted[0].actions, (std::vector<std::string>{"pull", "push"}));
  EXPECT_EQ(token->granted[1].actions, (std::vector<std::string>{"pull"}));
  EXPECT_TRUE(token->granted[2].actions.empty());
  EXPECT_EQ(token->granted[3].actions, (std::vector<std::string>{"*"}));
  EXPECT_TRUE(token->refresh_token.empty());

  StatusOr<Principal> p = authenticator_->Authenticate("Bearer " + token->token, "a");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "alice");
  EXPECT_TRUE(Allowed(*p, "priv/app", Action::kPush));
  EXPECT_FALSE(Allowed(*p, "priv/other", Action::kPull));  // not in the token
}

TEST_F(AccessTest, TokensStopWhenCredentialsChange) {
  Principal alice = Login("alice");
  StatusOr<IssuedToken> token = issuer_->Issue(alice, {}, /*offline=*/true);
  ASSERT_TRUE(token.ok());
  ASSERT_FALSE(token->refresh_token.empty());
  EXPECT_TRUE(issuer_->Redeem(token->refresh_token).ok());
  // A refresh token is not an access token, and an access token is not a refresh token.
  EXPECT_FALSE(authenticator_->Authenticate("Bearer " + token->refresh_token, "a").ok());
  EXPECT_FALSE(issuer_->Redeem(token->token).ok());
  ASSERT_TRUE(users_->SetPassword(System(), "alice", std::nullopt, "a-new-password").ok());
  EXPECT_EQ(authenticator_->Authenticate("Bearer " + token->token, "a").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(issuer_->Redeem(token->refresh_token).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccessTest, ExpiredTokenRefused) {
  Principal alice = Login("alice");
  StatusOr<IssuedToken> token = issuer_->Issue(alice, {}, false);
  ASSERT_TRUE(token.ok());
  clock_.now += std::chrono::seconds(300 + 31);
  EXPECT_EQ(authenticator_->Authenticate("Bearer " + token->token, "a").status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(AccessTest, AuditLogFlushesInOrderAndBoundsMemory) {
  AuditLog small(*store_, clock_, /*max_pending=*/2);
  for (int i = 0; i < 3; ++i) {
    metadata::AuditRecord r;
    r.action = "push";
    r.resource = "r" + std::to_string(i);
    small.Record(r);
  }
  EXPECT_EQ(small.dropped(), 1u);
  ASSERT_TRUE(small.Flush().ok());
  StatusOr<std::vector<metadata::AuditRecord>> rows = store_->QueryAudit({.action = "push"});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].resource, "r1");
  EXPECT_EQ((*rows)[1].resource, "r0");
  EXPECT_EQ((*rows)[0].time, kNow);
}

}  // namespace
}  // namespace cangku::auth
