#include "auth/token_issuer.h"

#include <algorithm>

#include "oci/reference.h"

namespace cangku::auth {
namespace {

std::string_view KindName(Principal::Kind kind) {
  switch (kind) {
    case Principal::Kind::kUser:
      return "user";
    case Principal::Kind::kRobot:
      return "robot";
    case Principal::Kind::kAnonymous:
      break;
  }
  return "anonymous";
}

bool Has(const std::vector<Action>& actions, Action a) {
  return std::find(actions.begin(), actions.end(), a) != actions.end();
}

// The token actions of `requested` that `allowed` covers; "*" stands for every action.
std::vector<std::string> GrantedActions(const std::vector<std::string>& requested,
                                        const std::vector<Action>& allowed) {
  std::vector<std::string> granted;
  auto add = [&](std::string_view name, Action a) {
    if (Has(allowed, a) && std::find(granted.begin(), granted.end(), name) == granted.end()) {
      granted.emplace_back(name);
    }
  };
  for (const std::string& r : requested) {
    if (r == "pull" || r == "*") add("pull", Action::kPull);
    if (r == "push" || r == "*") add("push", Action::kPush);
    if (r == "delete" || r == "*") add("delete", Action::kDelete);
  }
  return granted;
}

}  // namespace

StatusOr<std::vector<Access>> TokenIssuer::Grant(const Principal& principal,
                                                 const std::vector<Access>& requested) {
  std::vector<Access> granted;
  for (const Access& r : requested) {
    if (r.type == "registry" && r.name == "catalog") {
      // Everyone may list; the catalog shows each caller only what it may read.
      granted.push_back(Access{"registry", "catalog", {"*"}});
      continue;
    }
    if (r.type != "repository" || !oci::ValidateRepositoryName(r.name).ok()) continue;
    ASSIGN_OR_RETURN(std::vector<Action> allowed,
                     access_.AllowedActions(principal, ProjectOf(r.name)));
    std::vector<std::string> actions = GrantedActions(r.actions, allowed);
    granted.push_back(Access{r.type, r.name, std::move(actions)});
  }
  return granted;
}

nlohmann::json TokenIssuer::BaseClaims(const Principal& principal, int64_t now, int64_t expires) {
  const AuthenticatorOptions& o = authenticator_.options();
  nlohmann::json claims = {
      {"iss", o.issuer}, {"sub", principal.name}, {"aud", o.service},      {"iat", now},
      {"nbf", now},      {"exp", expires},        {"jti", random_.Hex(16)}};
  if (!principal.anonymous()) {
    claims["kind"] = std::string(KindName(principal.kind));
    claims["cv"] = principal.credential_version;
  }
  return claims;
}

StatusOr<IssuedToken> TokenIssuer::Issue(const Principal& principal,
                                         const std::vector<Access>& requested, bool offline) {
  int64_t now = UnixSeconds(clock_.Now());
  IssuedToken out;
  ASSIGN_OR_RETURN(out.granted, Grant(principal, requested));
  nlohmann::json claims = BaseClaims(principal, now, now + options_.expiry.count());
  claims["access"] = AccessClaim(out.granted);
  out.token = signer_.Sign(claims);
  out.issued_at = now;
  out.expires_in = options_.expiry.count();
  if (offline && !principal.anonymous()) {
    nlohmann::json refresh = BaseClaims(principal, now, now + options_.refresh_expiry.count());
    refresh["use"] = "refresh";
    out.refresh_token = signer_.Sign(refresh);
  }
  return out;
}

StatusOr<Principal> TokenIssuer::Redeem(std::string_view refresh_token) {
  int64_t now = UnixSeconds(clock_.Now());
  const AuthenticatorOptions& o = authenticator_.options();
  ASSIGN_OR_RETURN(nlohmann::json claims, signer_.Verify(refresh_token));
  RETURN_IF_ERROR(ValidateClaims(claims, now, o.issuer, o.service));
  if (claims.value("use", "") != "refresh") return UnauthenticatedError("not a refresh token");
  if (claims.value("sub", "").empty()) return UnauthenticatedError("refresh token has no subject");
  return authenticator_.Subject(claims);
}

}  // namespace cangku::auth
