#include "auth/authenticator.h"

#include <openssl/evp.h>

#include "auth/password.h"
#include "auth/scope.h"

namespace cangku::auth {
namespace {

constexpr std::string_view kRobotPrefix = "robot$";
constexpr size_t kMaxCacheEntries = 100000;
constexpr std::string_view kThrottled = "throttled";

// A key for checked credentials that does not keep the secret itself in memory.
std::string CredentialKey(std::string_view name, std::string_view secret) {
  std::string input(name);
  input.push_back('\0');
  input.append(secret);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr);
  return "b:" + std::string(reinterpret_cast<const char*>(md), len);
}

// Strips an auth scheme ("Basic ", "Bearer ") case-insensitively; nullopt if absent.
std::optional<std::string_view> AfterScheme(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) !=
        std::tolower(static_cast<unsigned char>(scheme[i]))) {
      return std::nullopt;
    }
  }
  std::string_view rest = header.substr(scheme.size() + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest;
}

// Standard base64 (Basic credentials), strict.
std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t pad = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

Status InvalidLogin() { return UnauthenticatedError("invalid username or password"); }

}  // namespace

Principal UserPrincipal(const metadata::UserRecord& user) {
  Principal p;
  p.kind = Principal::Kind::kUser;
  p.name = user.name;
  p.system_admin = user.admin;
  p.credential_version = user.credential_version;
  return p;
}

Principal RobotPrincipal(const metadata::RobotRecord& robot) {
  Principal p;
  p.kind = Principal::Kind::kRobot;
  p.name = robot.name;
  p.credential_version = robot.credential_version;
  p.expires_at = robot.expires_at;
  StatusOr<std::vector<RobotGrant>> grants = ParseRobotPermissions(robot.permissions_json);
  if (grants.ok()) p.robot_grants = std::move(*grants);
  if (!robot.project.empty()) {
    for (RobotGrant& g : p.robot_grants) g.project = robot.project;
  }
  return p;
}

StatusOr<std::vector<RobotGrant>> ParseRobotPermissions(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    return InvalidArgumentError("permissions must be a JSON array");
  }
  std::vector<RobotGrant> grants;
  for (const nlohmann::json& item : doc) {
    if (!item.is_object() || !item.contains("project") || !item["project"].is_string() ||
        item["project"].get<std::string>().empty()) {
      return InvalidArgumentError("each permission needs a \"project\" (a name or \"*\")");
    }
    RobotGrant grant;
    grant.project = item["project"].get<std::string>();
    if (!item.contains("actions") || !item["actions"].is_array()) {
      return InvalidArgumentError("each permission needs \"actions\" (an array)");
    }
    for (const nlohmann::json& a : item["actions"]) {
      std::optional<Action> action =
          a.is_string() ? ParseAction(a.get<std::string>()) : std::nullopt;
      if (!action) return InvalidArgumentError("unknown action " + a.dump());
      grant.actions.push_back(*action);
    }
    grants.push_back(std::move(grant));
  }
  return grants;
}

std::string RobotPermissionsJson(const std::vector<RobotGrant>& grants) {
  nlohmann::json doc = nlohmann::json::array();
  for (const RobotGrant& g : grants) {
    nlohmann::json actions = nlohmann::json::array();
    for (Action a : g.actions) actions.push_back(std::string(ActionName(a)));
    doc.push_back({{"project", g.project}, {"actions", actions}});
  }
  return doc.dump();
}

std::optional<Principal> Authenticator::FromCache(const std::string& key, int64_t now) {
  std::lock_guard lock(mu_);
  auto it = cache_.find(key);
  if (it == cache_.end() || it->second.expires <= now) return std::nullopt;
  return it->second.principal;
}

void Authenticator::Remember(const std::string& key, const Principal& principal, int64_t expires) {
  // Nothing is trusted past the account's own expiry.
  if (principal.expires_at != 0) expires = std::min(expires, principal.expires_at);
  std::lock_guard lock(mu_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  cache_[key] = CachedPrincipal{principal, expires};
}

void Authenticator::Invalidate() {
  std::lock_guard lock(mu_);
  cache_.clear();
}

std::optional<StatusOr<Principal>> Authenticator::TryAuthenticate(
    std::optional<std::string_view> authorization) {
  if (!authorization) return StatusOr<Principal>(Principal{});
  int64_t now = UnixSeconds(clock_.Now());
  std::optional<std::string> key;
  if (auto token = AfterScheme(*authorization, "Bearer")) {
    key = "t:" + std::string(*token);
  } else if (auto basic = AfterScheme(*authorization, "Basic")) {
    std::optional<std::string> decoded = DecodeBase64(*basic);
    size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) return std::nullopt;
    key = CredentialKey(std::string_view(*decoded).substr(0, colon),
                        std::string_view(*decoded).substr(colon + 1));
  } else {
    return std::nullopt;
  }
  if (std::optional<Principal> p = FromCache(*key, now)) return StatusOr<Principal>(*p);
  return std::nullopt;
}

StatusOr<Principal> Authenticator::Authenticate(std::optional<std::string_view> authorization,
                                                std::string_view address) {
  if (!authorization) return Principal{};
  int64_t now = UnixSeconds(clock_.Now());
  if (auto token = AfterScheme(*authorization, "Bearer")) return Bearer(*token, now);
  if (auto basic = AfterScheme(*authorization, "Basic")) return Basic(*basic, address, now);
  return UnauthenticatedError("unsupported authorization scheme (use Basic or Bearer)");
}

StatusOr<Principal> Authenticator::Basic(std::string_view encoded, std::string_view address,
                                         int64_t now) {
  std::optional<std::string> decoded = DecodeBase64(encoded);
  size_t colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) return UnauthenticatedError("malformed Basic credentials");
  std::string_view name = std::string_view(*decoded).substr(0, colon);
  std::string_view secret = std::string_view(*decoded).substr(colon + 1);
  std::string key = CredentialKey(name, secret);
  if (std::optional<Principal> p = FromCache(key, now)) return *p;
  ASSIGN_OR_RETURN(Principal p, Login(name, secret, address));
  Remember(key, p, now + options_.cache_ttl.count());
  return p;
}

StatusOr<Principal> Authenticator::Bearer(std::string_view token, int64_t now) {
  std::string key = "t:" + std::string(token);
  if (std::optional<Principal> p = FromCache(key, now)) return *p;
  ASSIGN_OR_RETURN(nlohmann::json claims, signer_.Verify(token));
  RETURN_IF_ERROR(ValidateClaims(claims, now, options_.issuer, options_.service));
  if (claims.contains("use")) return UnauthenticatedError("a refresh token is not an access token");
  ASSIGN_OR_RETURN(std::vector<Access> access, AccessFromClaims(claims));
  ASSIGN_OR_RETURN(Principal p, Subject(claims));
  p.token_access = std::move(access);
  int64_t expires = std::min(claims["exp"].get<int64_t>(), now + options_.cache_ttl.count());
  Remember(key, p, expires);
  return p;
}

StatusOr<Principal> Authenticator::LoadAccount(std::string_view name, int64_t now) {
  std::string key = "a:" + std::string(name);
  if (std::optional<Principal> p = FromCache(key, now)) return *p;
  Principal p;
  if (name.starts_with(kRobotPrefix)) {
    StatusOr<metadata::RobotRecord> robot = store_.GetRobot(name);
    if (!robot.ok()) return robot.status();
    if (robot->disabled) return UnauthenticatedError("robot account is disabled");
    if (robot->expires_at != 0 && robot->expires_at <= now) {
      return UnauthenticatedError("robot account has expired");
    }
    p = RobotPrincipal(*robot);
    Remember(key, p, now + options_.cache_ttl.count());
    return p;
  }
  StatusOr<metadata::UserRecord> user = store_.GetUser(name);
  if (!user.ok()) return user.status();
  if (user->disabled) return UnauthenticatedError("account is disabled");
  p = UserPrincipal(*user);
  Remember(key, p, now + options_.cache_ttl.count());
  return p;
}

StatusOr<Principal> Authenticator::Subject(const nlohmann::json& claims) {
  int64_t now = UnixSeconds(clock_.Now());
  std::string sub = claims.value("sub", "");
  if (sub.empty()) return Principal{};  // an anonymous token
  if (!claims.contains("cv") || !claims["cv"].is_number_integer()) {
    return UnauthenticatedError("token has no credential version");
  }
  StatusOr<Principal> p = LoadAccount(sub, now);
  if (!p.ok()) {
    if (p.status().code() == StatusCode::kNotFound) {
      return UnauthenticatedError("token subject no longer exists");
    }
    return p.status();
  }
  if (p->credential_version != claims["cv"].get<int64_t>()) {
    return UnauthenticatedError("credentials changed since the token was issued");
  }
  return p;
}

void Authenticator::LoginFailed(std::string_view name, std::string_view address,
                                std::string_view why, int64_t now) {
  // Attempts refused while locked out check nothing, so they do not lengthen the lockout (else
  // anyone could keep a known user locked out for good).
  if (why != kThrottled) throttle_.RecordFailure(name, address, now);
  metadata::AuditRecord r;
  r.time = now;
  r.actor = std::string(name);
  r.address = std::string(address);
  r.action = "login";
  r.resource = std::string(name);
  r.result = "failed";
  r.detail = std::string(why);
  audit_.Record(std::move(r));
}

StatusOr<Principal> Authenticator::Login(std::string_view name, std::string_view secret,
                                         std::string_view address) {
  int64_t now = UnixSeconds(clock_.Now());
  if (int64_t wait = throttle_.RetryAfter(name, address, now); wait > 0) {
    LoginFailed(name, address, kThrottled, now);
    return ResourceExhaustedError("too many failed logins; retry in " + std::to_string(wait) +
                                  " s");
  }
  if (name.starts_with(kRobotPrefix)) {
    StatusOr<metadata::RobotRecord> robot = store_.GetRobot(name);
    if (!robot.ok() && robot.status().code() != StatusCode::kNotFound) return robot.status();
    bool ok = robot.ok() && ConstantTimeEquals(HashRobotSecret(secret), robot->secret_hash);
    if (!ok) return LoginFailed(name, address, "bad secret or unknown robot", now), InvalidLogin();
    if (robot->disabled || (robot->expires_at != 0 && robot->expires_at <= now)) {
      return LoginFailed(name, address, "robot disabled or expired", now), InvalidLogin();
    }
    throttle_.RecordSuccess(name);
    return RobotPrincipal(*robot);
  }
  StatusOr<metadata::UserRecord> user = store_.GetUser(name);
  if (!user.ok() && user.status().code() != StatusCode::kNotFound) return user.status();
  // An unknown user costs a bcrypt check too, so timing does not tell which names exist.
  static constexpr std::string_view kDecoy =
      "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.xP1tX6BbXAj2DO/BUwlSuMK8sj3q";
  bool ok = VerifyPassword(secret, user.ok() ? std::string_view(user->password_hash) : kDecoy);
  if (!ok || !user.ok()) {
    return LoginFailed(name, address, "bad password or unknown user", now), InvalidLogin();
  }
  if (user->disabled) return LoginFailed(name, address, "account disabled", now), InvalidLogin();
  throttle_.RecordSuccess(name);
  return UserPrincipal(*user);
}

}  // namespace cangku::auth
