#pragma once

#include "api/admin/admin_api.h"
#include "api/auth_gate.h"
#include "api/v2/context.h"
#include "http/exchange.h"

namespace cangku::api {

// The root of the HTTP API: the route table of /v2/ (OCI distribution spec), the token endpoint
// (/service/token) and the admin API (/api/v1/). Adds the headers every response carries.
// Thread-safe.
class ApiHandler final : public http::Handler {
 public:
  // `auth` and `admin` are null when authentication is off: every request is then served as
  // an anonymous caller with every permission, and /service/token and /api/v1/ do not exist.
  ApiHandler(v2::Context ctx, AuthContext* auth, admin::AdminApiContext* admin)
      : ctx_(ctx), auth_(auth), admin_(admin) {}
  http::Task<void> Handle(http::Request& request, http::Response& response) override;

 private:
  http::Task<void> HandleV2(http::Request& request, http::Response& response);
  http::Task<void> Dispatch(const v2::Route& route, const auth::Principal* principal,
                            http::Request& req, http::Response& resp);

  v2::Context ctx_;
  AuthContext* const auth_;
  admin::AdminApiContext* const admin_;
};

}  // namespace cangku::api
