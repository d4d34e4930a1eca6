#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cangku::http {

// Decodes %XX escapes (and '+' as space when `plus_as_space`). Returns nullopt for a
// malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space = false);

// Escapes everything outside RFC 3986 "unreserved" (and '/', when `keep_slash`).
std::string PercentEncode(std::string_view text, bool keep_slash = false);

// The percent-decoded value of the first `key` in a query string ("a=1&b=2"); nullopt when
// absent or malformed.
std::optional<std::string> QueryValue(std::string_view query, std::string_view key);

}  // namespace cangku::http
