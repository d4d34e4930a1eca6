// ValidateClaims: the registered claims (RFC 7519 section 4.1) of a token whose signature has
// already been verified.

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "auth/jwt.h"
#include "common/text.h"

namespace cangku::auth {
namespace {

using nlohmann::json;

// A NumericDate as whole seconds. JSON allows fractions and huge values; they are floored and
// clamped rather than refused, since only their order against `now` matters.
std::optional<int64_t> NumericDate(const json& value) {
  if (value.is_number_unsigned()) {
    uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::numeric_limits<int64_t>::max();
    }
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (!std::isfinite(d)) return std::nullopt;
    if (d >= 9.2e18) return std::numeric_limits<int64_t>::max();
    if (d <= -9.2e18) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(std::floor(d));
  }
  return std::nullopt;
}

// The date claim `name`: nullopt when absent, an error when present but not a number.
StatusOr<std::optional<int64_t>> DateClaim(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<int64_t>();
  std::optional<int64_t> date = NumericDate(*it);
  if (!date) return UnauthenticatedError(std::string("token claim \"") + name + "\" is not a date");
  return date;
}

bool AudienceMatches(const json& aud, std::string_view audience) {
  if (aud.is_string()) return aud.get_ref<const std::string&>() == audience;
  if (!aud.is_array()) return false;
  for (const json& entry : aud) {
    if (entry.is_string() && entry.get_ref<const std::string&>() == audience) return true;
  }
  return false;
}

}  // namespace

Status ValidateClaims(const json& claims, int64_t now, std::string_view issuer,
                      std::string_view audience, int64_t leeway_seconds) {
  if (!claims.is_object()) return UnauthenticatedError("token claims are not a JSON object");

  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() || iss->get_ref<const std::string&>() != issuer) {
    return UnauthenticatedError("token claim \"iss\" is not " + QuoteForMessage(issuer));
  }
  auto aud = claims.find("aud");
  if (aud == claims.end() || !AudienceMatches(*aud, audience)) {
    return UnauthenticatedError("token claim \"aud\" does not name " + QuoteForMessage(audience));
  }

  ASSIGN_OR_RETURN(std::optional<int64_t> exp, DateClaim(claims, "exp"));
  if (!exp) return UnauthenticatedError("token claim \"exp\" is missing");
  if (*exp <= now - leeway_seconds) return UnauthenticatedError("token has expired (\"exp\")");

  ASSIGN_OR_RETURN(std::optional<int64_t> nbf, DateClaim(claims, "nbf"));
  if (nbf && *nbf > now + leeway_seconds) {
    return UnauthenticatedError("token is not valid yet (\"nbf\")");
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> iat, DateClaim(claims, "iat"));
  if (iat && *iat > now + leeway_seconds) {
    return UnauthenticatedError("token was issued in the future (\"iat\")");
  }
  return OkStatus();
}

}  // namespace cangku::auth
