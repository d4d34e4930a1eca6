#include "http_wire.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace cangku::bench {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ContainsToken(std::string_view value, std::string_view token) {
  return Lower(value).find(token) != std::string::npos;
}

}  // namespace

std::string_view ResponseHead::Get(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

size_t ParseResponseHead(std::string_view buf, ResponseHead* head) {
  const size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) return buf.size() > (1 << 20) ? kMalformed : kIncomplete;
  std::string_view lines = buf.substr(0, end + 2);
  const size_t eol = lines.find("\r\n");
  std::string_view status_line = lines.substr(0, eol);
  lines.remove_prefix(eol + 2);
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") return kMalformed;
  const bool http10 = status_line.substr(5, 3) == "1.0";
  int status = 0;
  const char* digits = status_line.data() + 9;
  if (std::from_chars(digits, digits + 3, status).ec != std::errc() || status < 100) {
    return kMalformed;
  }
  *head = ResponseHead();
  head->status = status;
  head->close = http10;
  while (!lines.empty()) {
    const size_t e = lines.find("\r\n");
    std::string_view line = lines.substr(0, e);
    lines.remove_prefix(e + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return kMalformed;
    std::string name = Lower(Trim(line.substr(0, colon)));
    std::string_view value = Trim(line.substr(colon + 1));
    if (name == "content-length") {
      int64_t n = -1;
      if (std::from_chars(value.data(), value.data() + value.size(), n).ec != std::errc() ||
          n < 0) {
        return kMalformed;
      }
      head->content_length = n;
    } else if (name == "transfer-encoding") {
      head->chunked = ContainsToken(value, "chunked");
    } else if (name == "connection") {
      if (ContainsToken(value, "close")) head->close = true;
      if (http10 && ContainsToken(value, "keep-alive")) head->close = false;
    }
    head->headers.emplace_back(std::move(name), std::string(value));
  }
  return end + 4;
}

bool HasNoBody(std::string_view method, const ResponseHead& head) {
  return method == "HEAD" || head.status < 200 || head.status == 204 || head.status == 304;
}

size_t ChunkedBodyLength(std::string_view body) {
  size_t pos = 0;
  for (;;) {
    const size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) return kIncomplete;
    std::string_view size_text = body.substr(pos, eol - pos);
    size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions
    uint64_t size = 0;
    auto [p, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || size_text.empty()) return kMalformed;
    pos = eol + 2;
    if (size == 0) {
      // Trailers, then an empty line.
      for (;;) {
        const size_t t = body.find("\r\n", pos);
        if (t == std::string_view::npos) return kIncomplete;
        const bool empty = t == pos;
        pos = t + 2;
        if (empty) return pos;
      }
    }
    if (body.size() < pos + size + 2) return kIncomplete;
    pos += size + 2;
  }
}

std::string DecodeChunked(std::string_view body) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    const size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) return out;
    uint64_t size = 0;
    std::from_chars(body.data() + pos, body.data() + eol, size, 16);
    pos = eol + 2;
    if (size == 0 || pos + size > body.size()) return out;
    out.append(body.substr(pos, size));
    pos += size + 2;
  }
}

bool SplitUrl(std::string_view url, std::string* host, uint16_t* port, std::string* target) {
  if (url.substr(0, 7) == "http://") {
    url.remove_prefix(7);
    const size_t slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    url = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
    const size_t colon = authority.rfind(':');
    *port = 80;
    if (colon != std::string_view::npos) {
      std::string_view p = authority.substr(colon + 1);
      if (std::from_chars(p.data(), p.data() + p.size(), *port).ec != std::errc()) return false;
      authority = authority.substr(0, colon);
    }
    if (authority.empty()) return false;
    *host = std::string(authority);
  } else if (url.empty() || url.front() != '/') {
    return false;
  }
  *target = url.empty() ? "/" : std::string(url);
  return true;
}

}  // namespace cangku::bench
