#pragma once

// HTTP/1.1 response framing shared by the blocking client and the epoll load engine.
// Only what a registry answers is handled: status line, headers, Content-Length or chunked
// bodies, and the cases with no body at all (HEAD, 1xx, 204, 304).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cangku::bench {

struct ResponseHead {
  int status = 0;
  int64_t content_length = -1;  // -1: absent
  bool chunked = false;
  bool close = false;  // "Connection: close" or HTTP/1.0 without keep-alive
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

  // The value of the first header called `name` (lower case), or "" if absent.
  std::string_view Get(std::string_view name) const;
};

inline constexpr size_t kIncomplete = 0;
inline constexpr size_t kMalformed = static_cast<size_t>(-1);

// Parses the status line and headers at the start of `buf`. Returns the length of the head
// including the blank line, kIncomplete if more bytes are needed, kMalformed on garbage.
size_t ParseResponseHead(std::string_view buf, ResponseHead* head);

// True when the response to `method` with this head carries no body, whatever its headers say.
bool HasNoBody(std::string_view method, const ResponseHead& head);

// Given the bytes after the head of a chunked response, returns the length of the whole chunked
// body including the last chunk and trailers, kIncomplete or kMalformed.
size_t ChunkedBodyLength(std::string_view body);

// Decodes a complete chunked body (as delimited by ChunkedBodyLength) into its payload.
std::string DecodeChunked(std::string_view body);

// Splits "http://host:port/path?q" into host, port and target ("/path?q"; "/" if empty).
// A relative reference ("/v2/...") yields only a target. Returns false if malformed.
bool SplitUrl(std::string_view url, std::string* host, uint16_t* port, std::string* target);

}  // namespace cangku::bench
