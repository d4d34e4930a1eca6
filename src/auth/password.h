#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "common/status.h"

namespace cangku::auth {

// bcrypt cost of new password hashes (2^10 rounds: ~50 ms on one core).
constexpr int kDefaultBcryptCost = 10;

// A bcrypt hash ("$2b$<cost>$...") of `password`, salted from `random`. Errors: kInvalidArgument
// for an empty password, one longer than 72 bytes (bcrypt ignores the rest) or holding a NUL
// byte (libxcrypt would stop there), or a cost outside 4..31; kInternal when libxcrypt fails.
StatusOr<std::string> HashPassword(std::string_view password, Random& random,
                                   int cost = kDefaultBcryptCost);

// True when `password` matches the bcrypt hash ($2a$, $2b$ or $2y$). False for anything else,
// including a malformed hash, an empty password and one holding a NUL byte. Compares in constant
// time.
bool VerifyPassword(std::string_view password, std::string_view hash);

// True when `hash` is a bcrypt hash this build can verify.
bool IsBcryptHash(std::string_view hash);

// Compares two byte strings in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// A robot secret: 32 random bytes, hex. And the form it is stored in: SHA-256, hex. (Secrets are
// random and long, so a fast hash is enough; bcrypt is for passwords people choose.)
std::string NewRobotSecret(Random& random);
std::string HashRobotSecret(std::string_view secret);

// One line of an Apache htpasswd file.
struct HtpasswdEntry {
  std::string user;
  std::string hash;
};

// Parses an htpasswd file: "user:hash" lines; blank lines and lines starting with '#' are
// skipped. Errors: kInvalidArgument naming the line (1-based) of the first line that is not
// "user:hash", or whose hash is not bcrypt (htpasswd -B), or that repeats a user.
StatusOr<std::vector<HtpasswdEntry>> ParseHtpasswd(std::string_view text);

}  // namespace cangku::auth
