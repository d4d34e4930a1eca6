#pragma once

#include "api/v2/context.h"
#include "http/exchange.h"

namespace cangku::api {

// The root of the HTTP API: the route table of /v2/ (OCI distribution spec) and every other
// endpoint. Adds the headers every response carries. Thread-safe.
class ApiHandler final : public http::Handler {
 public:
  explicit ApiHandler(v2::Context ctx) : ctx_(ctx) {}
  http::Task<void> Handle(http::Request& request, http::Response& response) override;

 private:
  v2::Context ctx_;
};

}  // namespace cangku::api
