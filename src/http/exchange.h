#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "http/task.h"

namespace cangku::http {

// One HTTP request as a handler sees it: the head is parsed, the body is read on demand.
// Owned by the connection; valid for the duration of Handler::Handle. Not thread-safe.
class Request {
 public:
  virtual ~Request() = default;

  virtual std::string_view method() const = 0;
  // The request target as sent: raw path and query, nothing decoded.
  virtual std::string_view target() const = 0;
  // The value of header `name` (case-insensitive), if present.
  virtual std::optional<std::string_view> header(std::string_view name) const = 0;
  virtual const std::string& remote_address() const = 0;

  // The declared body length; nullopt for a chunked body.
  virtual std::optional<uint64_t> content_length() const = 0;
  // True when the request carries a body (non-zero Content-Length or chunked).
  virtual bool has_body() const = 0;
  // Reads the next bytes of the body into `buf`; returns 0 at the end of the body.
  // Errors: kDeadlineExceeded when the client is too slow, kAborted when it disconnects or
  // sends a malformed body.
  virtual Task<StatusOr<size_t>> ReadBody(std::span<char> buf) = 0;

  // The raw path part of target() (before '?').
  std::string_view path() const;
  // The percent-decoded value of query parameter `key` (first occurrence).
  std::optional<std::string> query(std::string_view key) const;
};

// Reads `length` bytes of a blob at `offset` into the buffer; returns bytes read (0 = end).
using ReadAtFn = std::function<StatusOr<size_t>(uint64_t offset, std::span<char> buf)>;

// The response to one request. Exactly one Send* call per request. Answers to HEAD requests
// carry the headers (Content-Length included) and no body. Not thread-safe.
class Response {
 public:
  virtual ~Response() = default;

  // Adds a header to the response (before Send*). Content-Length is set by Send*.
  virtual void SetHeader(std::string_view name, std::string_view value) = 0;
  // Sends `status` with `body` (may be empty).
  virtual Task<Status> Send(int status, std::string body) = 0;
  // Sends `status` and `length` bytes of file descriptor `fd` from `offset`, with sendfile(2).
  // The caller keeps `fd` open until the task completes.
  virtual Task<Status> SendFile(int status, int fd, uint64_t offset, uint64_t length) = 0;
  // Sends `status` and `length` bytes produced by `read`, for sources without a descriptor.
  virtual Task<Status> SendStream(int status, uint64_t offset, uint64_t length, ReadAtFn read) = 0;
  // True once a Send* call began writing.
  virtual bool sent() const = 0;
  // The status sent, for the access log and tests; 0 before.
  virtual int status() const = 0;
};

// Answers requests. Implementations are shared by every connection and must be thread-safe.
// Handle must not throw; if it returns without sending, the server answers 500.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual Task<void> Handle(Request& request, Response& response) = 0;
};

}  // namespace cangku::http
