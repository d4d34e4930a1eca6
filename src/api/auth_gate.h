#pragma once

#include <optional>
#include <string>

#include "api/v2/context.h"
#include "api/v2/route.h"
#include "auth/access_control.h"
#include "auth/admin/project_admin.h"
#include "auth/audit_log.h"
#include "auth/authenticator.h"
#include "auth/principal.h"
#include "auth/token_issuer.h"
#include "http/exchange.h"

namespace cangku::api {

// What authentication and authorization of HTTP requests work with. Shared; thread-safe.
struct AuthContext {
  auth::Authenticator& authenticator;
  auth::AccessControl& access;
  auth::TokenIssuer& tokens;
  auth::AuditLog& audit;
  auth::admin::ProjectAdmin& projects;
  std::string realm;  // token endpoint URL; "" : <scheme>://<Host header>/service/token
  bool tls = false;   // the scheme of a derived realm
  bool audit_pulls = true;
};

// The principal an HTTP request's Authorization header names, checked on the worker pool when
// the caches cannot answer. On failure the error answer (401 with a challenge, or 429) has been
// sent and nullopt is returned.
http::Task<std::optional<auth::Principal>> AuthenticateRequest(AuthContext& auth, v2::Context& ctx,
                                                               http::Request& req,
                                                               http::Response& resp);

// Checks that `principal` may make the /v2/ request `route` (a repository route or the base),
// creating a missing project for a user's first push when projects are auto-created. On refusal
// the answer has been sent (401 with a Bearer challenge naming the scope needed, for anonymous
// callers and tokens; 403 DENIED for accounts), the refusal audited, and false returned.
http::Task<bool> AuthorizeRoute(AuthContext& auth, v2::Context& ctx,
                                const auth::Principal& principal, const v2::Route& route,
                                http::Request& req, http::Response& resp);

// Whether a cross-repository mount from `from` may be honoured for `principal` (it needs pull
// there; a mount without `from` only for system admins). Blocking when the cache cannot answer.
http::Task<bool> MayMountFrom(AuthContext& auth, v2::Context& ctx, const auth::Principal& principal,
                              const std::string& from);

// Audits a finished /v2/ request that pushed, pulled (manifest GET) or deleted.
void AuditRoute(AuthContext& auth, const auth::Principal& principal, const v2::Route& route,
                http::Request& req, const http::Response& resp);

// The WWW-Authenticate value of a Bearer challenge; `scope` may be empty; `error` (e.g.
// "insufficient_scope", "invalid_token") is added when not empty.
std::string BearerChallenge(const AuthContext& auth, const http::Request& req,
                            const std::string& scope, const std::string& error = "");

}  // namespace cangku::api
