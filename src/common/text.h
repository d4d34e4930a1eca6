#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cangku {

// `text` in double quotes for an error message: at most 80 characters, anything unprintable
// shown as '?', so that huge or binary input keeps the message readable.
std::string QuoteForMessage(std::string_view text);

// Decodes %XX escapes (and '+' as space when `plus_as_space`). Returns nullopt for a
// malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space = false);

}  // namespace cangku
