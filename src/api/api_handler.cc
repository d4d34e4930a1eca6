#include "api/api_handler.h"

#include "api/v2/handlers.h"
#include "api/v2/route.h"
#include "oci/reference.h"

namespace cangku::api {

http::Task<void> ApiHandler::Handle(http::Request& req, http::Response& resp) {
  using K = v2::Route::Kind;
  resp.SetHeader("Docker-Distribution-API-Version", "registry/2.0");
  v2::Route route = v2::ParseRoute(req.path());
  switch (route.kind) {
    case K::kBase:
      co_return co_await v2::HandleBase(ctx_, req, resp);
    case K::kCatalog:
      co_return co_await v2::HandleCatalog(ctx_, req, resp);
    case K::kUnknown:
      co_return co_await v2::SendError(resp, ErrorCode::kNameUnknown,
                                       "no such endpoint: " + std::string(req.path()));
    default:
      break;
  }
  if (Status s = oci::ValidateRepositoryName(route.name); !s.ok()) {
    co_return co_await v2::SendError(resp, ErrorCode::kNameInvalid, s.message());
  }
  switch (route.kind) {
    case K::kTags:
      co_await v2::HandleTags(ctx_, route.name, req, resp);
      break;
    case K::kManifest:
      co_await v2::HandleManifest(ctx_, route.name, route.arg, req, resp);
      break;
    case K::kBlob:
      co_await v2::HandleBlob(ctx_, route.name, route.arg, req, resp);
      break;
    case K::kUploadStart:
      co_await v2::HandleUploadStart(ctx_, route.name, req, resp);
      break;
    case K::kUpload:
      co_await v2::HandleUpload(ctx_, route.name, route.arg, req, resp);
      break;
    case K::kReferrers:
      co_await v2::HandleReferrers(ctx_, route.name, route.arg, req, resp);
      break;
    default:
      break;
  }
}

}  // namespace cangku::api
