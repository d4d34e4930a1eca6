#include <nlohmann/json.hpp>

#include "api/v2/handlers.h"
#include "api/v2/paging.h"

namespace cangku::api::v2 {

namespace {

// A page of the repositories `filter` lets through: pages of the store are read until `limit`
// visible names are found or the store has no more.
StatusOr<registry::Page> FilteredPage(Context& ctx, const CatalogFilter& filter, std::string last,
                                      int limit) {
  registry::Page out;
  for (;;) {
    ASSIGN_OR_RETURN(registry::Page page, ctx.registry.ListRepositories(last, limit));
    for (std::string& name : page.items) {
      last = name;
      ASSIGN_OR_RETURN(bool visible, filter(name));
      if (!visible) continue;
      out.items.push_back(std::move(name));
      if (static_cast<int>(out.items.size()) == limit) {
        // More follow if this page had more after this name or another page follows.
        out.more = page.more || &name != &page.items.back();
        return out;
      }
    }
    if (!page.more) return out;
  }
}

}  // namespace

http::Task<void> HandleCatalog(Context& ctx, const CatalogFilter& filter, http::Request& req,
                               http::Response& resp) {
  if (req.method() != "GET") {
    co_await SendError(resp, ErrorCode::kUnsupported, "method not allowed");
    co_return;
  }
  auto params = co_await PageParamsOrError(ctx, req, resp);
  if (!params) co_return;
  StatusOr<registry::Page> page = co_await ctx.pool.Run([&]() -> StatusOr<registry::Page> {
    if (!filter || params->limit <= 0)
      return ctx.registry.ListRepositories(params->last, params->limit);
    return FilteredPage(ctx, filter, params->last, params->limit);
  });
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
