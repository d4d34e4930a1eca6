#include "common/text.h"

namespace cangku {

std::string QuoteForMessage(std::string_view text) {
  constexpr size_t kMaxShown = 80;
  std::string out = "\"";
  for (char c : text.substr(0, kMaxShown)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (text.size() > kMaxShown) out += "...";
  out += "\"";
  return out;
}

}  // namespace cangku
