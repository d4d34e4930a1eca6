#pragma once

// A blocking HTTP/1.1 keep-alive connection to one loopback server: the client side of the
// blob and image drivers, where each worker thread owns one connection. Request bodies come from
// memory or straight from a file with sendfile(2), so the client does not copy what it pushes.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http_wire.h"

namespace cangku::bench {

struct Endpoint {
  std::string host;  // numeric IPv4 address
  uint16_t port = 0;
};

// Parses "http://127.0.0.1:5000". Returns false if malformed.
bool ParseEndpoint(std::string_view url, Endpoint* ep);

// The body of a request: bytes in memory, or `length` bytes of file `fd` from `offset`.
struct RequestBody {
  std::string_view data;
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;

  uint64_t size() const { return fd >= 0 ? length : data.size(); }
};

struct Response {
  ResponseHead head;
  std::string body;         // empty when the caller discards the body
  uint64_t body_bytes = 0;  // counted even when discarded
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpConn {
 public:
  explicit HttpConn(Endpoint ep) : ep_(std::move(ep)) {}
  ~HttpConn();
  HttpConn(const HttpConn&) = delete;
  HttpConn& operator=(const HttpConn&) = delete;

  // Sends one request and reads the whole response. `target` may be an absolute URL (as in a
  // Location header). With keep_body false, the body is read and counted but not stored.
  // Reconnects once if a kept-alive connection turns out to be closed. Returns false and sets
  // *error on a transport or framing error (the connection is then closed).
  [[nodiscard]] bool Do(std::string_view method, std::string_view target, const Headers& headers,
                        const RequestBody& body, bool keep_body, Response* response,
                        std::string* error);

  uint64_t requests() const { return requests_; }

  // If set, sees every byte of Content-Length bodies as they arrive (whether kept or not).
  void SetBodySink(std::function<void(std::string_view)> sink) { sink_ = std::move(sink); }

 private:
  bool Connect(std::string* error);
  void Close();
  bool Send(std::string_view method, const std::string& path, const Headers& headers,
            const RequestBody& body, std::string* error);
  bool Receive(std::string_view method, bool keep_body, Response* response, std::string* error);
  bool Fill(std::string* error);            // reads more bytes into rbuf_
  ssize_t RecvScratch(std::string* error);  // one recv(2) into scratch_

  const Endpoint ep_;
  int fd_ = -1;
  std::string rbuf_;           // received, not yet consumed
  std::vector<char> scratch_;  // recv(2) buffer, allocated on first use
  uint64_t requests_ = 0;
  std::function<void(std::string_view)> sink_;
};

// Connects a blocking TCP socket to ep with TCP_NODELAY. Returns -1 and sets *error on failure.
int ConnectTcp(const Endpoint& ep, std::string* error);

}  // namespace cangku::bench
