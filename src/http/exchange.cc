#include "http/exchange.h"

#include "http/url.h"

namespace cangku::http {

std::string_view Request::path() const {
  std::string_view t = target();
  return t.substr(0, t.find('?'));
}

std::optional<std::string> Request::query(std::string_view key) const {
  std::string_view t = target();
  size_t q = t.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  return QueryValue(t.substr(q + 1), key);
}

}  // namespace cangku::http
