#include "api/auth_gate.h"

#include "auth/permissions.h"

namespace cangku::api {
namespace {

using auth::Action;
using K = v2::Route::Kind;

// What a /v2/ request does to its repository.
Action RouteAction(const v2::Route& route, std::string_view method) {
  bool read = method == "GET" || method == "HEAD";
  switch (route.kind) {
    case K::kTags:
      return Action::kList;
    case K::kManifest:
    case K::kBlob:
      if (read) return Action::kPull;
      return method == "DELETE" ? Action::kDelete : Action::kPush;
    case K::kUploadStart:
    case K::kUpload:
      return Action::kPush;
    default:
      return Action::kPull;
  }
}

// The scope a client should ask a token for, to make this request.
std::string NeededScope(const v2::Route& route, Action action) {
  std::string actions = action == Action::kPush     ? "pull,push"
                        : action == Action::kDelete ? "delete"
                                                    : "pull";
  return "repository:" + route.name + ":" + actions;
}

// A Host header value fit to put in a URL: host name or address characters and a port.
bool PlausibleHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
              c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

metadata::AuditRecord Event(const auth::Principal& principal, const http::Request& req,
                            std::string action, std::string resource, std::string result) {
  metadata::AuditRecord r;
  r.actor = principal.name;
  r.address = req.remote_address();
  r.action = std::move(action);
  r.project = std::string(auth::ProjectOf(resource));
  r.resource = std::move(resource);
  r.result = std::move(result);
  return r;
}

http::Task<bool> Allowed(AuthContext& auth, v2::Context& ctx, const auth::Principal& principal,
                         const std::string& repository, Action action) {
  if (std::optional<bool> quick = auth.access.TryAllowed(principal, repository, action)) {
    co_return *quick;
  }
  StatusOr<bool> allowed =
      co_await ctx.pool.Run([&] { return auth.access.Allowed(principal, repository, action); });
  if (!allowed.ok()) {
    ctx.logger.error("access check failed: {}", allowed.status().ToString());
    co_return false;
  }
  co_return *allowed;
}

http::Task<void> SendUnauthorized(AuthContext& auth, http::Request& req, http::Response& resp,
                                  const std::string& scope, const std::string& error,
                                  std::string message) {
  resp.SetHeader("WWW-Authenticate", BearerChallenge(auth, req, scope, error));
  co_await v2::SendError(resp, ErrorCode::kUnauthorized, message);
}

}  // namespace

std::string BearerChallenge(const AuthContext& auth, const http::Request& req,
                            const std::string& scope, const std::string& error) {
  std::string realm = auth.realm;
  if (realm.empty()) {
    std::string host(req.header("Host").value_or(""));
    if (!PlausibleHost(host)) host = "localhost";
    realm = std::string(auth.tls ? "https://" : "http://") + host + "/service/token";
  }
  std::string value =
      "Bearer realm=" + Quoted(realm) + ",service=" + Quoted(auth.authenticator.options().service);
  if (!scope.empty()) value += ",scope=" + Quoted(scope);
  if (!error.empty()) value += ",error=" + Quoted(error);
  return value;
}

http::Task<std::optional<auth::Principal>> AuthenticateRequest(AuthContext& auth, v2::Context& ctx,
                                                               http::Request& req,
                                                               http::Response& resp) {
  std::optional<std::string_view> header = req.header("Authorization");
  std::optional<StatusOr<auth::Principal>> quick = auth.authenticator.TryAuthenticate(header);
  StatusOr<auth::Principal> principal = UnauthenticatedError("");
  if (quick) {
    principal = std::move(*quick);
  } else {
    std::string address = req.remote_address();
    principal =
        co_await ctx.pool.Run([&] { return auth.authenticator.Authenticate(header, address); });
  }
  if (principal.ok()) co_return std::move(*principal);
  const Status& s = principal.status();
  if (s.code() == StatusCode::kResourceExhausted) {
    co_await v2::SendError(resp, ErrorCode::kTooManyRequests, s.message());
  } else if (s.code() == StatusCode::kUnauthenticated) {
    co_await SendUnauthorized(auth, req, resp, "", "invalid_token", s.message());
  } else {
    co_await v2::SendUnexpected(ctx, resp, s);
  }
  co_return std::nullopt;
}

http::Task<bool> AuthorizeRoute(AuthContext& auth, v2::Context& ctx,
                                const auth::Principal& principal, const v2::Route& route,
                                http::Request& req, http::Response& resp) {
  if (route.kind == K::kBase) {
    if (!principal.anonymous()) co_return true;
    co_await SendUnauthorized(auth, req, resp, "", "", "authentication required");
    co_return false;
  }
  Action action = RouteAction(route, req.method());
  bool allowed = co_await Allowed(auth, ctx, principal, route.name, action);
  // A push starts with POST .../blobs/uploads/ or (for a manifest of mounted or existing blobs)
  // PUT .../manifests/: the project is created there, not at every chunk.
  bool push_start = route.kind == K::kUploadStart || route.kind == K::kManifest;
  if (allowed && action == Action::kPush && push_start &&
      principal.kind == auth::Principal::Kind::kUser && auth.access.auto_create_projects()) {
    std::string project(auth::ProjectOf(route.name));
    if (auth.access.TryProjectExists(project) == std::optional<bool>(true)) co_return true;
    auth::admin::Actor actor{principal, req.remote_address()};
    Status created =
        co_await ctx.pool.Run([&] { return auth.projects.EnsureForPush(actor, project); });
    if (!created.ok()) {
      co_await v2::SendUnexpected(ctx, resp, created);
      co_return false;
    }
  }
  if (allowed) co_return true;
  std::string verb(auth::ActionName(action));
  auth.audit.Record(Event(principal, req, verb, route.name, "denied"));
  std::string scope = NeededScope(route, action);
  if (principal.anonymous() || principal.token_access) {
    std::string error = principal.anonymous() ? "" : "insufficient_scope";
    co_await SendUnauthorized(auth, req, resp, scope, error,
                              "authentication required to " + verb + " " + route.name);
  } else {
    co_await v2::SendError(resp, ErrorCode::kDenied,
                           principal.name + " may not " + verb + " " + route.name);
  }
  co_return false;
}

http::Task<bool> MayMountFrom(AuthContext& auth, v2::Context& ctx, const auth::Principal& principal,
                              const std::string& from) {
  if (from.empty()) co_return principal.system_admin;
  co_return co_await Allowed(auth, ctx, principal, from, Action::kPull);
}

void AuditRoute(AuthContext& auth, const auth::Principal& principal, const v2::Route& route,
                http::Request& req, const http::Response& resp) {
  std::string_view method = req.method();
  int status = resp.status();
  if (route.kind == K::kManifest) {
    std::string resource = route.name + (route.arg.starts_with("sha256:") ? "@" : ":") + route.arg;
    if (method == "PUT" && status == 201) {
      auth.audit.Record(Event(principal, req, "push", resource, "ok"));
    } else if (method == "GET" && status == 200 && auth.audit_pulls) {
      auth.audit.Record(Event(principal, req, "pull", resource, "ok"));
    } else if (method == "DELETE" && status == 202) {
      auth.audit.Record(Event(principal, req, "delete", resource, "ok"));
    }
  } else if (route.kind == K::kBlob && method == "DELETE" && status == 202) {
    auth.audit.Record(Event(principal, req, "delete", route.name + "@" + route.arg, "ok"));
  }
}

}  // namespace cangku::api
