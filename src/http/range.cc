#include "http/range.h"

#include <charconv>
#include <string>

namespace cangku::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A non-empty run of decimal digits that fits in 64 bits.
std::optional<uint64_t> ParseNumber(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

StatusOr<ByteRange> ParseRange(std::string_view header, uint64_t size) {
  header = Trim(header);
  constexpr std::string_view kPrefix = "bytes=";
  if (header.substr(0, kPrefix.size()) != kPrefix) {
    return InvalidArgumentError("Range must use the bytes unit");
  }
  std::string_view spec = Trim(header.substr(kPrefix.size()));
  if (spec.find(',') != std::string_view::npos) {
    return InvalidArgumentError("multiple ranges are not supported");
  }
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return InvalidArgumentError("Range without '-'");
  std::string_view a = Trim(spec.substr(0, dash)), b = Trim(spec.substr(dash + 1));
  if (a.empty()) {
    auto n = ParseNumber(b);
    if (!n) return InvalidArgumentError("malformed suffix range");
    if (*n == 0 || size == 0) return OutOfRangeError("empty suffix range");
    uint64_t len = *n < size ? *n : size;
    return ByteRange{size - len, size - 1};
  }
  auto first = ParseNumber(a);
  if (!first) return InvalidArgumentError("malformed range start");
  uint64_t last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    auto l = ParseNumber(b);
    if (!l || *l < *first) return InvalidArgumentError("malformed range end");
    if (*l < last) last = *l;
  }
  if (*first >= size) return OutOfRangeError("range starts past the end");
  return ByteRange{*first, last};
}

StatusOr<ByteRange> ParseContentRange(std::string_view header) {
  header = Trim(header);
  constexpr std::string_view kUnit = "bytes ";
  if (header.substr(0, kUnit.size()) == kUnit) {
    header = Trim(header.substr(kUnit.size()));
    size_t slash = header.find('/');
    if (slash == std::string_view::npos) return InvalidArgumentError("Content-Range without '/'");
    std::string_view total = header.substr(slash + 1);
    if (total != "*" && !ParseNumber(total)) {
      return InvalidArgumentError("malformed Content-Range length");
    }
    header = header.substr(0, slash);
  }
  size_t dash = header.find('-');
  if (dash == std::string_view::npos) return InvalidArgumentError("Content-Range without '-'");
  auto first = ParseNumber(header.substr(0, dash));
  auto last = ParseNumber(header.substr(dash + 1));
  if (!first || !last) return InvalidArgumentError("malformed Content-Range");
  if (*last < *first) return InvalidArgumentError("Content-Range ends before it starts");
  return ByteRange{*first, *last};
}

}  // namespace cangku::http
