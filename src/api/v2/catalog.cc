#include <nlohmann/json.hpp>

#include "api/v2/handlers.h"
#include "api/v2/paging.h"

namespace cangku::api::v2 {

http::Task<void> HandleCatalog(Context& ctx, http::Request& req, http::Response& resp) {
  if (req.method() != "GET") {
    co_await SendError(resp, ErrorCode::kUnsupported, "method not allowed");
    co_return;
  }
  auto params = co_await PageParamsOrError(ctx, req, resp);
  if (!params) co_return;
  StatusOr<registry::Page> page = co_await ctx.pool.Run(
      [&] { return ctx.registry.ListRepositories(params->last, params->limit); });
  if (!page.ok()) {
    co_await SendUnexpected(ctx, resp, page.status());
    co_return;
  }
  SetNextLink(resp, "/v2/_catalog", *params, *page);
  // Built outside the co_await expression: GCC 12 miscompiles initializer lists inside one.
  std::string body = nlohmann::json({{"repositories", page->items}}).dump();
  co_await SendJson(resp, 200, std::move(body));
}

}  // namespace cangku::api::v2
