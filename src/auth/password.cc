#include "auth/password.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/text.h"

namespace cangku::auth {
namespace {

// bcrypt reads at most this many bytes of the password.
constexpr size_t kBcryptMaxPassword = 72;
// bcrypt wants 16 bytes of salt.
constexpr size_t kBcryptSaltBytes = 16;
// "$2b$10$" + 22 characters of salt + 31 of hash.
constexpr size_t kBcryptHashLength = 60;

constexpr char kHexDigits[] = "0123456789abcdef";

std::string ToHex(const unsigned char* data, size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHexDigits[data[i] >> 4]);
    out.push_back(kHexDigits[data[i] & 15]);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsBcryptBase64(char c) {
  return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9');
}

// libxcrypt takes the password as a C string: an embedded NUL would silently cut it short.
bool IsUsablePassword(std::string_view password) {
  return !password.empty() && password.size() < CRYPT_MAX_PASSPHRASE_SIZE &&
         password.find('\0') == std::string_view::npos;
}

// crypt_rn over `password` and `setting`; nullopt when libxcrypt refuses them. struct crypt_data
// is ~32 KiB, too large for the stacks of I/O threads, so it lives on the heap.
std::optional<std::string> Crypt(std::string_view password, const std::string& setting) {
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  // Scrub the copies of the password libxcrypt and we made.
  OPENSSL_cleanse(phrase.data(), phrase.size());
  std::optional<std::string> result;
  if (out != nullptr && out[0] != '*') result = std::string(out);
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return result;
}

}  // namespace

StatusOr<std::string> HashPassword(std::string_view password, Random& random, int cost) {
  if (password.empty()) return InvalidArgumentError("password is empty");
  if (password.size() > kBcryptMaxPassword) {
    return InvalidArgumentError("password is longer than 72 bytes");
  }
  if (password.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("password contains a NUL byte");
  }
  if (cost < 4 || cost > 31) return InvalidArgumentError("bcrypt cost must be in 4..31");

  std::string hex = random.Hex(kBcryptSaltBytes);
  if (hex.size() != kBcryptSaltBytes * 2) return InternalError("random source returned bad hex");
  unsigned char salt[kBcryptSaltBytes];
  for (size_t i = 0; i < kBcryptSaltBytes; ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return InternalError("random source returned bad hex");
    salt[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), reinterpret_cast<char*>(salt),
                       sizeof(salt), setting, sizeof(setting)) == nullptr) {
    return InternalError("crypt_gensalt_rn failed");
  }
  std::optional<std::string> hash = Crypt(password, setting);
  if (!hash || !IsBcryptHash(*hash)) return InternalError("bcrypt hashing failed");
  return *std::move(hash);
}

bool VerifyPassword(std::string_view password, std::string_view hash) {
  // An empty password never matches: HashPassword refuses to make such a hash, and an empty
  // password from a client means "no credentials", not a secret.
  if (!IsUsablePassword(password) || !IsBcryptHash(hash)) return false;
  std::optional<std::string> computed = Crypt(password, std::string(hash));
  return computed && ConstantTimeEquals(*computed, hash);
}

bool IsBcryptHash(std::string_view hash) {
  // $2a$, $2b$ and $2y$ differ only in historic bugs for non-ASCII passwords; libxcrypt reads all.
  if (hash.size() != kBcryptHashLength || hash.substr(0, 2) != "$2") return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[3] != '$' || hash[6] != '$') return false;
  if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9') return false;
  int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (char c : hash.substr(7)) {
    if (!IsBcryptBase64(c)) return false;
  }
  return true;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string NewRobotSecret(Random& random) { return random.Hex(32); }

std::string HashRobotSecret(std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  CANGKU_CHECK(EVP_Digest(secret.data(), secret.size(), digest, &length, EVP_sha256(), nullptr) ==
               1);
  return ToHex(digest, length);
}

namespace {

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

Status LineError(size_t line, std::string_view what) {
  return InvalidArgumentError("htpasswd line " + std::to_string(line) + ": " + std::string(what));
}

}  // namespace

StatusOr<std::vector<HtpasswdEntry>> ParseHtpasswd(std::string_view text) {
  std::vector<HtpasswdEntry> entries;
  std::unordered_map<std::string, size_t> line_of_user;
  size_t line_number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = TrimTrailingSpace(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (IsBlank(line) || line.front() == '#') continue;

    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == line.size()) {
      return LineError(line_number, "expected \"user:hash\"");
    }
    std::string user(line.substr(0, colon));
    std::string_view hash = line.substr(colon + 1);
    // The hash itself is never echoed: it is a secret worth keeping out of logs.
    if (!IsBcryptHash(hash)) {
      return LineError(line_number, "the hash of user " + QuoteForMessage(user) +
                                        " is not bcrypt (make it with htpasswd -B)");
    }
    auto [it, inserted] = line_of_user.emplace(user, line_number);
    if (!inserted) {
      return LineError(line_number, "user " + QuoteForMessage(user) + " repeats line " +
                                        std::to_string(it->second));
    }
    entries.push_back({std::move(user), std::string(hash)});
  }
  return entries;
}

}  // namespace cangku::auth
