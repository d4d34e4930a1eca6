#include "api/api_handler.h"

#include "api/token/token_endpoint.h"
#include "api/v2/handlers.h"
#include "api/v2/route.h"
#include "oci/reference.h"

namespace cangku::api {
namespace {

constexpr std::string_view kTokenPath = "/service/token";
constexpr std::string_view kAdminPrefix = "/api/v1/";

bool TokenAllowsCatalog(const std::vector<auth::Access>& access) {
  for (const auth::Access& a : access) {
    if (a.type == "registry" && a.name == "catalog" && !a.actions.empty()) return true;
  }
  return false;
}

}  // namespace

http::Task<void> ApiHandler::Handle(http::Request& req, http::Response& resp) {
  resp.SetHeader("Docker-Distribution-API-Version", "registry/2.0");
  std::string_view path = req.path();
  if (path == kTokenPath && auth_) {
    co_return co_await token::HandleToken(*auth_, ctx_, req, resp);
  }
  if ((path.starts_with(kAdminPrefix) || path == "/api/v1") && auth_ && admin_) {
    std::optional<auth::Principal> principal =
        co_await AuthenticateRequest(*auth_, ctx_, req, resp);
    if (!principal) co_return;
    if (principal->token_access) {
      // A registry token is scoped to repositories; it does not stand for its account here.
      resp.SetHeader("WWW-Authenticate", "Basic realm=\"cangku\"");
      co_return co_await v2::SendError(resp, ErrorCode::kUnauthorized,
                                       "the admin API takes Basic credentials, not a token");
    }
    co_return co_await admin::HandleAdmin(*admin_, *principal, req, resp);
  }
  co_await HandleV2(req, resp);
}

http::Task<void> ApiHandler::HandleV2(http::Request& req, http::Response& resp) {
  using K = v2::Route::Kind;
  v2::Route route = v2::ParseRoute(req.path());
  if (route.kind == K::kUnknown) {
    co_return co_await v2::SendError(resp, ErrorCode::kNameUnknown,
                                     "no such endpoint: " + std::string(req.path()));
  }
  if (route.kind != K::kBase && route.kind != K::kCatalog) {
    if (Status s = oci::ValidateRepositoryName(route.name); !s.ok()) {
      co_return co_await v2::SendError(resp, ErrorCode::kNameInvalid, s.message());
    }
  }
  if (!auth_) co_return co_await Dispatch(route, nullptr, req, resp);
  std::optional<auth::Principal> principal = co_await AuthenticateRequest(*auth_, ctx_, req, resp);
  if (!principal) co_return;
  if (route.kind != K::kCatalog) {
    bool allowed = co_await AuthorizeRoute(*auth_, ctx_, *principal, route, req, resp);
    if (!allowed) co_return;
  }
  co_await Dispatch(route, &*principal, req, resp);
  AuditRoute(*auth_, *principal, route, req, resp);
}

http::Task<void> ApiHandler::Dispatch(const v2::Route& route, const auth::Principal* principal,
                                      http::Request& req, http::Response& resp) {
  using K = v2::Route::Kind;
  switch (route.kind) {
    case K::kBase:
      co_await v2::HandleBase(ctx_, req, resp);
      break;
    case K::kCatalog: {
      if (principal && principal->token_access && !TokenAllowsCatalog(*principal->token_access)) {
        resp.SetHeader("WWW-Authenticate",
                       BearerChallenge(*auth_, req, "registry:catalog:*", "insufficient_scope"));
        co_await v2::SendError(resp, ErrorCode::kUnauthorized,
                               "the token does not cover the catalog");
        break;
      }
      v2::CatalogFilter filter;
      if (principal && !principal->system_admin) {
        filter = [this, principal](const std::string& repository) {
          return auth_->access.Allowed(*principal, repository, auth::Action::kList);
        };
      }
      co_await v2::HandleCatalog(ctx_, filter, req, resp);
      break;
    }
    case K::kTags:
      co_await v2::HandleTags(ctx_, route.name, req, resp);
      break;
    case K::kManifest:
      co_await v2::HandleManifest(ctx_, route.name, route.arg, req, resp);
      break;
    case K::kBlob:
      co_await v2::HandleBlob(ctx_, route.name, route.arg, req, resp);
      break;
    case K::kUploadStart: {
      bool may_mount = true;
      if (principal && req.query("mount")) {
        std::string from = req.query("from").value_or("");
        may_mount = co_await MayMountFrom(*auth_, ctx_, *principal, from);
      }
      co_await v2::HandleUploadStart(ctx_, route.name, may_mount, req, resp);
      break;
    }
    case K::kUpload:
      co_await v2::HandleUpload(ctx_, route.name, route.arg, req, resp);
      break;
    case K::kReferrers:
      co_await v2::HandleReferrers(ctx_, route.name, route.arg, req, resp);
      break;
    case K::kUnknown:
      break;
  }
}

}  // namespace cangku::api
