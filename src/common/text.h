#pragma once

#include <string>
#include <string_view>

namespace cangku {

// `text` in double quotes for an error message: at most 80 characters, anything unprintable
// shown as '?', so that huge or binary input keeps the message readable.
std::string QuoteForMessage(std::string_view text);

}  // namespace cangku
