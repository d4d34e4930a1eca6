#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/access_control.h"
#include "auth/authenticator.h"
#include "auth/jwt.h"
#include "auth/principal.h"
#include "auth/scope.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"

namespace cangku::auth {

struct TokenOptions {
  std::chrono::seconds expiry{300};                     // access tokens
  std::chrono::seconds refresh_expiry{30 * 24 * 3600};  // refresh tokens (offline access)
};

struct IssuedToken {
  std::string token;
  int64_t issued_at = 0;      // Unix seconds
  int64_t expires_in = 0;     // seconds
  std::string refresh_token;  // "" unless asked for (and never for anonymous clients)
  std::vector<Access> granted;
};

// Issues the bearer tokens of the Docker registry token flow: the access granted is what was
// asked for intersected with what the principal may do (asking for more is never an error).
// Thread-safe.
class TokenIssuer {
 public:
  TokenIssuer(const TokenSigner& signer, AccessControl& access, Authenticator& authenticator,
              const Clock& clock, Random& random, TokenOptions options)
      : signer_(signer),
        access_(access),
        authenticator_(authenticator),
        clock_(clock),
        random_(random),
        options_(options) {}

  // A token for `principal` with the granted part of `requested`; with a refresh token when
  // `offline`. Blocking.
  StatusOr<IssuedToken> Issue(const Principal& principal, const std::vector<Access>& requested,
                              bool offline);
  // The principal a refresh token (made by Issue) stands for. Errors: kUnauthenticated (bad,
  // expired or revoked token). Blocking.
  StatusOr<Principal> Redeem(std::string_view refresh_token);

 private:
  StatusOr<std::vector<Access>> Grant(const Principal& principal,
                                      const std::vector<Access>& requested);
  nlohmann::json BaseClaims(const Principal& principal, int64_t now, int64_t expires);

  const TokenSigner& signer_;
  AccessControl& access_;
  Authenticator& authenticator_;
  const Clock& clock_;
  Random& random_;
  const TokenOptions options_;
};

}  // namespace cangku::auth
