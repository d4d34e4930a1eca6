#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/audit_log.h"
#include "auth/jwt.h"
#include "auth/login_throttle.h"
#include "auth/principal.h"
#include "common/clock.h"
#include "common/status.h"
#include "metadata/identity_store.h"

namespace cangku::auth {

struct AuthenticatorOptions {
  std::string issuer = "cangku";   // "iss" of the tokens this registry signs
  std::string service = "cangku";  // "aud": the service name clients ask tokens for
  // How long a checked credential, token or account is trusted without asking the store again
  // (a change made by another instance takes effect within this; local changes at once).
  std::chrono::seconds cache_ttl{10};
};

// Establishes who sent a request: anonymous, Basic credentials (a user's password or a robot's
// secret), or a bearer token this registry signed. Failed logins are throttled per user and per
// client address, audited, and answered alike whatever failed. Secrets are compared in constant
// time and never logged. Thread-safe.
class Authenticator {
 public:
  Authenticator(metadata::IdentityStore& store, const TokenSigner& signer, LoginThrottle& throttle,
                AuditLog& audit, const Clock& clock, AuthenticatorOptions options)
      : store_(store),
        signer_(signer),
        throttle_(throttle),
        audit_(audit),
        clock_(clock),
        options_(std::move(options)) {}

  const AuthenticatorOptions& options() const { return options_; }

  // The principal an Authorization header value names (nullopt header: anonymous), answered from
  // the caches alone; nullopt when that needs the store or a password check (call Authenticate on
  // a worker then). Never blocks.
  std::optional<StatusOr<Principal>> TryAuthenticate(std::optional<std::string_view> authorization);
  // The same, loading what is not cached. Errors: kUnauthenticated (bad credentials or token,
  // with the reason for a token), kResourceExhausted ("too many failed logins", throttled).
  // Blocking.
  StatusOr<Principal> Authenticate(std::optional<std::string_view> authorization,
                                   std::string_view address);
  // Checks a login name and password (or robot secret). Errors: kUnauthenticated ("invalid
  // username or password", the same for every cause), kResourceExhausted when throttled.
  // Blocking.
  StatusOr<Principal> Login(std::string_view name, std::string_view secret,
                            std::string_view address);
  // The principal a verified token's claims name, if the account still exists, is enabled, has
  // not expired and has the same credential version. Errors: kUnauthenticated. Blocking.
  StatusOr<Principal> Subject(const nlohmann::json& claims);

  // Drops every cached credential and account (after a change to users or robots).
  void Invalidate();

 private:
  struct CachedPrincipal {
    Principal principal;
    int64_t expires = 0;
  };
  std::optional<Principal> FromCache(const std::string& key, int64_t now);
  void Remember(const std::string& key, const Principal& principal, int64_t expires);
  StatusOr<Principal> LoadAccount(std::string_view name, int64_t now);
  StatusOr<Principal> Bearer(std::string_view token, int64_t now);
  StatusOr<Principal> Basic(std::string_view encoded, std::string_view address, int64_t now);
  void LoginFailed(std::string_view name, std::string_view address, std::string_view why,
                   int64_t now);

  metadata::IdentityStore& store_;
  const TokenSigner& signer_;
  LoginThrottle& throttle_;
  AuditLog& audit_;
  const Clock& clock_;
  const AuthenticatorOptions options_;

  std::mutex mu_;
  // "b:" + SHA-256(name, secret) for checked Basic credentials, "t:" + token for verified tokens,
  // "a:" + name for accounts. Guarded by mu_.
  std::unordered_map<std::string, CachedPrincipal> cache_;
};

// The principal of a user or robot account record (robot grants parsed from its permissions;
// a project robot's grants are confined to its project).
Principal UserPrincipal(const metadata::UserRecord& user);
Principal RobotPrincipal(const metadata::RobotRecord& robot);

// Robot permissions as stored: [{"project": "<name>" | "*", "actions": ["pull", ...]}].
// Errors: kInvalidArgument naming what is wrong (unknown action, missing project).
StatusOr<std::vector<RobotGrant>> ParseRobotPermissions(std::string_view json);
std::string RobotPermissionsJson(const std::vector<RobotGrant>& grants);

}  // namespace cangku::auth
