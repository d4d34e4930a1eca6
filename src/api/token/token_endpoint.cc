#include "api/token/token_endpoint.h"

#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "auth/scope.h"
#include "common/text.h"

namespace cangku::api::token {
namespace {

using Form = std::multimap<std::string, std::string>;

// The fields of a query string or an application/x-www-form-urlencoded body. nullopt when an
// escape is malformed.
std::optional<Form> ParseForm(std::string_view text) {
  Form fields;
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::optional<std::string> key = PercentDecode(pair.substr(0, eq), true);
    std::optional<std::string> value =
        PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    fields.emplace(std::move(*key), std::move(*value));
  }
  return fields;
}

std::string Field(const Form& f, const std::string& key) {
  auto it = f.find(key);
  return it == f.end() ? "" : it->second;
}

std::vector<std::string> Fields(const Form& f, const std::string& key) {
  std::vector<std::string> values;
  for (auto [it, end] = f.equal_range(key); it != end; ++it) values.push_back(it->second);
  return values;
}

std::string Rfc3339(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ScopeString(const std::vector<auth::Access>& granted) {
  std::string out;
  for (const auth::Access& a : granted) {
    if (a.actions.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    out += a.type + ":" + a.name + ":";
    for (size_t i = 0; i < a.actions.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += a.actions[i];
    }
  }
  return out;
}

// What a token request asks for, whichever method carried it.
struct TokenRequest {
  std::string service;
  std::vector<std::string> scopes;
  bool offline = false;
  bool oauth = false;  // answer in the OAuth2 shape (POST)
};

// 400 in the OAuth2 shape, which token clients of both flows understand.
http::Task<void> SendBadRequest(http::Response& resp, std::string error, std::string description) {
  nlohmann::json body = {{"error", error}, {"error_description", description}};
  std::string text = body.dump();
  co_await v2::SendJson(resp, 400, std::move(text));
}

http::Task<void> SendFailure(v2::Context& ctx, http::Response& resp, const Status& s) {
  if (s.code() == StatusCode::kUnauthenticated) {
    resp.SetHeader("WWW-Authenticate", "Basic realm=\"cangku\"");
    co_await v2::SendError(resp, ErrorCode::kUnauthorized, s.message());
  } else if (s.code() == StatusCode::kResourceExhausted) {
    co_await v2::SendError(resp, ErrorCode::kTooManyRequests, s.message());
  } else {
    co_await v2::SendUnexpected(ctx, resp, s);
  }
}

http::Task<void> Issue(AuthContext& auth, v2::Context& ctx, http::Response& resp,
                       const auth::Principal& principal, const TokenRequest& request) {
  if (!request.service.empty() && request.service != auth.authenticator.options().service) {
    co_await SendBadRequest(resp, "invalid_request", "unknown service " + request.service);
    co_return;
  }
  StatusOr<std::vector<auth::Access>> scopes = auth::ParseScopes(request.scopes);
  if (!scopes.ok()) {
    co_await SendBadRequest(resp, "invalid_scope", scopes.status().message());
    co_return;
  }
  bool offline = request.offline;
  StatusOr<auth::IssuedToken> token =
      co_await ctx.pool.Run([&] { return auth.tokens.Issue(principal, *scopes, offline); });
  if (!token.ok()) {
    co_await SendFailure(ctx, resp, token.status());
    co_return;
  }
  nlohmann::json body = {{"access_token", token->token},
                         {"expires_in", token->expires_in},
                         {"issued_at", Rfc3339(token->issued_at)}};
  if (request.oauth) {
    body["scope"] = ScopeString(token->granted);
  } else {
    body["token"] = token->token;
  }
  if (!token->refresh_token.empty()) body["refresh_token"] = token->refresh_token;
  resp.SetHeader("Cache-Control", "no-store");
  std::string text = body.dump();
  co_await v2::SendJson(resp, 200, std::move(text));
}

http::Task<void> HandleGet(AuthContext& auth, v2::Context& ctx, http::Request& req,
                           http::Response& resp) {
  std::string_view target = req.target();
  size_t q = target.find('?');
  std::optional<Form> form =
      ParseForm(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
  if (!form) {
    co_await SendBadRequest(resp, "invalid_request", "malformed query");
    co_return;
  }
  std::optional<auth::Principal> principal = co_await AuthenticateRequest(auth, ctx, req, resp);
  if (!principal) co_return;
  TokenRequest request;
  request.service = Field(*form, "service");
  request.scopes = Fields(*form, "scope");
  request.offline = Field(*form, "offline_token") == "true";
  co_await Issue(auth, ctx, resp, *principal, request);
}

http::Task<void> HandlePost(AuthContext& auth, v2::Context& ctx, http::Request& req,
                            http::Response& resp) {
  StatusOr<std::string> body = co_await v2::ReadAll(req, 64 * 1024);
  std::optional<Form> form;
  if (body.ok()) form = ParseForm(*body);
  if (!form) {
    co_await SendBadRequest(resp, "invalid_request", "malformed form body");
    co_return;
  }
  TokenRequest request;
  request.oauth = true;
  request.service = Field(*form, "service");
  request.offline = Field(*form, "access_type") == "offline";
  std::string scope = Field(*form, "scope");
  if (!scope.empty()) request.scopes.push_back(scope);
  std::string grant = Field(*form, "grant_type");
  if (Field(*form, "client_id").empty()) {
    co_await SendBadRequest(resp, "invalid_request", "client_id is required");
    co_return;
  }
  std::string address = req.remote_address();
  StatusOr<auth::Principal> principal = UnauthenticatedError("");
  if (grant == "password") {
    std::string user = Field(*form, "username");
    std::string password = Field(*form, "password");
    principal =
        co_await ctx.pool.Run([&] { return auth.authenticator.Login(user, password, address); });
  } else if (grant == "refresh_token") {
    std::string refresh = Field(*form, "refresh_token");
    principal = co_await ctx.pool.Run([&] { return auth.tokens.Redeem(refresh); });
    request.offline = false;  // the client keeps the refresh token it has
  } else {
    co_await SendBadRequest(resp, "unsupported_grant_type",
                            "grant_type must be password or refresh_token");
    co_return;
  }
  if (!principal.ok()) {
    co_await SendFailure(ctx, resp, principal.status());
    co_return;
  }
  co_await Issue(auth, ctx, resp, *principal, request);
}

}  // namespace

http::Task<void> HandleToken(AuthContext& auth, v2::Context& ctx, http::Request& req,
                             http::Response& resp) {
  if (req.method() == "GET") {
    co_await HandleGet(auth, ctx, req, resp);
  } else if (req.method() == "POST") {
    co_await HandlePost(auth, ctx, req, resp);
  } else {
    co_await v2::SendError(resp, ErrorCode::kUnsupported, "method not allowed");
  }
}

}  // namespace cangku::api::token
