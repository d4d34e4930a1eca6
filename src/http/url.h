#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/text.h"

namespace cangku::http {

using ::cangku::PercentDecode;  // common/text.h

// Escapes everything outside RFC 3986 "unreserved" (and '/', when `keep_slash`).
std::string PercentEncode(std::string_view text, bool keep_slash = false);

// The percent-decoded value of the first `key` in a query string ("a=1&b=2"); nullopt when
// absent or malformed.
std::optional<std::string> QueryValue(std::string_view query, std::string_view key);

}  // namespace cangku::http
