#include "api/v2/paging.h"

#include <charconv>

#include "http/url.h"

namespace cangku::api::v2 {

http::Task<std::optional<PageParams>> PageParamsOrError(Context& ctx, http::Request& req,
                                                        http::Response& resp) {
  PageParams params;
  params.limit = ctx.registry.options().max_page_size;
  params.last = req.query("last").value_or("");
  if (auto n = req.query("n")) {
    int value = -1;
    auto [end, ec] = std::from_chars(n->data(), n->data() + n->size(), value);
    if (ec != std::errc() || end != n->data() + n->size() || value < 0) {
      co_await SendError(resp, ErrorCode::kPaginationNumberInvalid,
                         "n must be a non-negative integer");
      co_return std::nullopt;
    }
    params.limit = std::min(value, ctx.registry.options().max_page_size);
  }
  co_return params;
}

void SetNextLink(http::Response& resp, const std::string& path, const PageParams& params,
                 const registry::Page& page) {
  if (!page.more || page.items.empty()) return;
  resp.SetHeader("Link", "<" + path + "?n=" + std::to_string(params.limit) +
                             "&last=" + http::PercentEncode(page.items.back()) + ">; rel=\"next\"");
}

}  // namespace cangku::api::v2
