#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace cangku::auth {

// Signs and verifies JSON Web Tokens with one ECDSA P-256 key (JWS "ES256"). Thread-safe.
class TokenSigner {
 public:
  // Loads the PEM private key at `path`, or, when the file does not exist, generates a key and
  // writes it there (mode 0600, written to a temporary file and renamed). Errors: kInvalidArgument
  // when the file holds no P-256 private key; kInternal on I/O or OpenSSL failures.
  static StatusOr<std::unique_ptr<TokenSigner>> LoadOrCreate(const std::string& path);
  // From a PEM private key in memory (tests). Errors: kInvalidArgument.
  static StatusOr<std::unique_ptr<TokenSigner>> FromPem(std::string_view pem);
  // A fresh key (tests).
  static StatusOr<std::unique_ptr<TokenSigner>> Generate();
  ~TokenSigner();
  TokenSigner(const TokenSigner&) = delete;
  TokenSigner& operator=(const TokenSigner&) = delete;

  // The key id put in the "kid" header: the libtrust form Docker uses (base32 of the first 30
  // bytes of SHA-256 over the DER public key, in 12 groups of 4 separated by ':').
  const std::string& key_id() const;
  // The public key as PEM (SubjectPublicKeyInfo), for operators who verify tokens elsewhere.
  std::string PublicKeyPem() const;

  // header.payload.signature, base64url without padding; header {"alg":"ES256","typ":"JWT",
  // "kid":key_id()}; the signature is the 64-byte r||s JWS form.
  std::string Sign(const nlohmann::json& claims) const;

  // Verifies a compact JWS made by Sign: three base64url parts, a header whose "alg" is exactly
  // "ES256" (anything else, "none" and "HS256" included, is refused), whose "kid" is ours and
  // which has no "crit" (RFC 7515 4.1.11: no extensions are understood), a valid signature over
  // the first two parts, and a payload that is a JSON object. Returns the
  // claims. Does not look at the claims (see ValidateClaims). Errors: kUnauthenticated with the
  // reason.
  StatusOr<nlohmann::json> Verify(std::string_view token) const;

 private:
  struct Key;
  explicit TokenSigner(std::unique_ptr<Key> key);
  std::unique_ptr<Key> key_;
};

// Checks the registered claims of verified token claims: "iss" equals `issuer`, "aud" equals (or,
// as an array, contains) `audience`, "exp" (required) is after now - leeway, "nbf" and "iat" (when
// present) are not after now + leeway. Errors: kUnauthenticated naming the failed claim.
Status ValidateClaims(const nlohmann::json& claims, int64_t now, std::string_view issuer,
                      std::string_view audience, int64_t leeway_seconds = 30);

// base64url without padding, and back (Errors: kInvalidArgument).
std::string Base64UrlEncode(std::string_view bytes);
StatusOr<std::string> Base64UrlDecode(std::string_view text);

}  // namespace cangku::auth
