#include "http_conn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cangku::bench {
namespace {

constexpr size_t kReadChunk = 1 << 20;

std::string Errno(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

bool SendAll(int fd, std::string_view data, int flags, std::string* error) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), flags | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = Errno("send");
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool SendFileRange(int sock, int fd, uint64_t offset, uint64_t length, std::string* error) {
  off_t off = static_cast<off_t>(offset);
  while (length > 0) {
    const size_t want = length > (1u << 30) ? (1u << 30) : static_cast<size_t>(length);
    const ssize_t n = ::sendfile(sock, fd, &off, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = Errno("sendfile");
      return false;
    }
    if (n == 0) {
      *error = "sendfile: file shorter than the request body";
      return false;
    }
    length -= static_cast<uint64_t>(n);
  }
  return true;
}

}  // namespace

bool ParseEndpoint(std::string_view url, Endpoint* ep) {
  std::string target;
  return SplitUrl(url, &ep->host, &ep->port, &target) && !ep->host.empty();
}

int ConnectTcp(const Endpoint& ep, std::string* error) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(ep.port);
  if (::inet_pton(AF_INET, ep.host.c_str(), &addr.sin_addr) != 1) {
    *error = "not a numeric IPv4 address: " + ep.host;
    return -1;
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = Errno("socket");
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    *error = Errno("connect " + ep.host + ":" + std::to_string(ep.port));
    ::close(fd);
    return -1;
  }
  return fd;
}

HttpConn::~HttpConn() { Close(); }

void HttpConn::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  rbuf_.clear();
}

bool HttpConn::Connect(std::string* error) {
  if (fd_ >= 0) return true;
  fd_ = ConnectTcp(ep_, error);
  return fd_ >= 0;
}

bool HttpConn::Do(std::string_view method, std::string_view target, const Headers& headers,
                  const RequestBody& body, bool keep_body, Response* response, std::string* error) {
  std::string host;
  uint16_t port = 0;
  std::string path;
  if (!SplitUrl(target, &host, &port, &path)) {
    *error = "bad request target: " + std::string(target);
    return false;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = fd_ >= 0;
    if (!Connect(error)) return false;
    ++requests_;
    if (Send(method, path, headers, body, error) && Receive(method, keep_body, response, error)) {
      if (response->head.close) Close();
      return true;
    }
    Close();
    // A server may close an idle keep-alive connection just as we reuse it: retry once.
    if (!reused) return false;
  }
  return false;
}

bool HttpConn::Send(std::string_view method, const std::string& path, const Headers& headers,
                    const RequestBody& body, std::string* error) {
  std::string head;
  head.reserve(256);
  head.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ");
  head.append(ep_.host).append(":").append(std::to_string(ep_.port)).append("\r\n");
  head.append("User-Agent: cangku-loadgen\r\n");
  for (const auto& [k, v] : headers) head.append(k).append(": ").append(v).append("\r\n");
  if (body.size() > 0 || method == "PUT" || method == "POST" || method == "PATCH") {
    head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  head.append("\r\n");
  if (body.fd >= 0) {
    return SendAll(fd_, head, MSG_MORE, error) &&
           SendFileRange(fd_, body.fd, body.offset, body.length, error);
  }
  if (body.data.size() <= 64 * 1024) {
    head.append(body.data);
    return SendAll(fd_, head, 0, error);
  }
  return SendAll(fd_, head, MSG_MORE, error) && SendAll(fd_, body.data, 0, error);
}

ssize_t HttpConn::RecvScratch(std::string* error) {
  if (scratch_.empty()) scratch_.resize(kReadChunk);
  for (;;) {
    const ssize_t n = ::recv(fd_, scratch_.data(), scratch_.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) *error = n == 0 ? "connection closed by server" : Errno("recv");
    return n;
  }
}

bool HttpConn::Fill(std::string* error) {
  const ssize_t n = RecvScratch(error);
  if (n <= 0) return false;
  rbuf_.append(scratch_.data(), static_cast<size_t>(n));
  return true;
}

bool HttpConn::Receive(std::string_view method, bool keep_body, Response* response,
                       std::string* error) {
  *response = Response();
  size_t head_len = kIncomplete;
  while ((head_len = ParseResponseHead(rbuf_, &response->head)) == kIncomplete) {
    if (!Fill(error)) return false;
  }
  if (head_len == kMalformed) {
    *error = "malformed response head";
    return false;
  }
  rbuf_.erase(0, head_len);
  const ResponseHead& head = response->head;
  if (HasNoBody(method, head)) return true;
  if (head.chunked) {
    size_t len = kIncomplete;
    while ((len = ChunkedBodyLength(rbuf_)) == kIncomplete) {
      if (!Fill(error)) return false;
    }
    if (len == kMalformed) {
      *error = "malformed chunked body";
      return false;
    }
    if (keep_body) response->body = DecodeChunked(std::string_view(rbuf_).substr(0, len));
    response->body_bytes = len;
    rbuf_.erase(0, len);
    return true;
  }
  if (head.content_length < 0) {  // body delimited by connection close
    while (Fill(error)) {
    }
    response->body_bytes = rbuf_.size();
    if (keep_body) response->body = std::move(rbuf_);
    response->head.close = true;
    return true;
  }
  uint64_t left = static_cast<uint64_t>(head.content_length);
  while (left > 0) {
    if (rbuf_.empty()) {
      if (keep_body) {
        if (!Fill(error)) return false;
      } else {
        // Big bodies being discarded: count straight out of the scratch buffer, no copy.
        const ssize_t n = RecvScratch(error);
        if (n <= 0) return false;
        const uint64_t got = static_cast<uint64_t>(n);
        const uint64_t take = got < left ? got : left;
        response->body_bytes += take;
        if (sink_) sink_(std::string_view(scratch_.data(), static_cast<size_t>(take)));
        left -= take;
        if (got > take) rbuf_.append(scratch_.data() + take, static_cast<size_t>(got - take));
        continue;
      }
    }
    const size_t take = rbuf_.size() < left ? rbuf_.size() : static_cast<size_t>(left);
    if (keep_body) response->body.append(rbuf_, 0, take);
    if (sink_) sink_(std::string_view(rbuf_).substr(0, take));
    response->body_bytes += take;
    left -= take;
    rbuf_.erase(0, take);
  }
  return true;
}

}  // namespace cangku::bench
