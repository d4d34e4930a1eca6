#include "api/v2/handlers.h"

namespace cangku::api::v2 {

http::Task<void> HandleBase(Context&, http::Request& req, http::Response& resp) {
  if (req.method() != "GET" && req.method() != "HEAD") {
    co_await SendError(resp, ErrorCode::kUnsupported, "method not allowed");
    co_return;
  }
  co_await SendJson(resp, 200, "{}");
}

}  // namespace cangku::api::v2
