#pragma once

#include "api/auth_gate.h"
#include "api/v2/context.h"
#include "http/exchange.h"

namespace cangku::api::token {

// The token endpoint of the Docker registry token flow, /service/token:
//   GET  with optional Basic credentials; query: service, scope (repeatable), offline_token,
//        account, client_id. Answers {"token","access_token","expires_in","issued_at"
//        [,"refresh_token"]}.
//   POST application/x-www-form-urlencoded OAuth2: grant_type=password (username, password) or
//        grant_type=refresh_token (refresh_token); service, client_id, scope (space-separated),
//        access_type=offline for a refresh token. Answers {"access_token","scope","expires_in",
//        "issued_at"[,"refresh_token"]}.
// Bad credentials: 401 UNAUTHORIZED; throttled: 429; a wrong service or malformed request: 400.
http::Task<void> HandleToken(AuthContext& auth, v2::Context& ctx, http::Request& req,
                             http::Response& resp);

}  // namespace cangku::api::token
