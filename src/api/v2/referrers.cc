#include "api/v2/handlers.h"
#include "oci/media_types.h"

namespace cangku::api::v2 {

http::Task<void> HandleReferrers(Context& ctx, const std::string& name, const std::string& arg,
                                 http::Request& req, http::Response& resp) {
  if (req.method() != "GET") {
    co_await SendError(resp, ErrorCode::kUnsupported, "method not allowed");
    co_return;
  }
  auto digest = co_await DigestOrError(resp, arg);
  if (!digest) co_return;
  std::string artifact_type = req.query("artifactType").value_or("");
  StatusOr<std::string> index =
      co_await ctx.pool.Run([&] { return ctx.registry.Referrers(name, *digest, artifact_type); });
  if (!index.ok()) {
    co_await SendUnexpected(ctx, resp, index.status());
    co_return;
  }
  if (!artifact_type.empty()) resp.SetHeader("OCI-Filters-Applied", "artifactType");
  co_await SendJson(resp, 200, std::move(*index), oci::kOciImageIndex);
}

}  // namespace cangku::api::v2
