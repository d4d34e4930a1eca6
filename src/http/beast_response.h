#pragma once

#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/beast_request.h"
#include "http/exchange.h"
#include "http/server.h"
#include "http/stream.h"

namespace cangku::http {

// Cancels the socket's pending operations when a transfer makes no progress for a whole
// period. One timer for the whole transfer, not one per wait for the socket.
struct Watchdog {
  Watchdog(tcp::socket& s, std::chrono::seconds p)
      : socket(s), period(p), timer(s.get_executor()) {}
  static void Arm(const std::shared_ptr<Watchdog>& self) {
    self->timer.expires_after(self->period);
    self->timer.async_wait([self](const beast::error_code& ec) {
      if (ec || self->stopped) return;
      if (self->progress == self->seen) {
        self->fired = true;
        beast::error_code ignored;
        self->socket.cancel(ignored);
        return;
      }
      self->seen = self->progress;
      Arm(self);
    });
  }
  void Stop() {
    stopped = true;
    timer.cancel();
  }
  tcp::socket& socket;
  const std::chrono::seconds period;
  asio::steady_timer timer;
  uint64_t progress = 0;
  uint64_t seen = 0;
  bool fired = false;
  bool stopped = false;
};

// Reads a file at an offset with pread(2): SendFile's source where sendfile(2) cannot be used.
inline ReadAtFn PreadAt(int fd) {
  return [fd](uint64_t offset, std::span<char> buf) -> StatusOr<size_t> {
    for (;;) {
      ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return ErrnoStatus(errno, "read blob file");
    }
  };
}

// The response written to `Stream` (the TCP stream, or TLS over it).
template <typename Stream>
class BeastResponse final : public Response {
 public:
  BeastResponse(Stream& stream, const BeastRequest<Stream>& request, bool keep_alive,
                unsigned version, const ServerOptions& options)
      : stream_(stream),
        request_(request),
        head_(request.method() == "HEAD"),
        keep_alive_(keep_alive),
        version_(version),
        options_(options) {}

  void SetHeader(std::string_view name, std::string_view value) override {
    headers_.emplace_back(std::string(name), std::string(value));
  }

  Task<Status> Send(int status, std::string body) override {
    if (head_ || body.empty()) co_return co_await WriteHead(status, body.size());
    Begin(status);
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), version_,
                                            std::move(body)};
    Fill(res);
    res.prepare_payload();
    bytes_ = res.body().size();
    beast::error_code ec;
    TcpLayer(stream_).expires_after(options_.io_timeout);
    co_await bhttp::async_write(stream_, res, Redirect(ec));
    co_return WriteStatus(ec);
  }

  Task<Status> SendFile(int status, int fd, uint64_t offset, uint64_t length) override {
    if constexpr (kLayered<Stream>) {
      // sendfile(2) would bypass the encryption: read the file in buffers and write them
      // through the stream.
      ReadAtFn read = PreadAt(fd);
      co_return co_await SendStream(status, offset, length, std::move(read));
    } else {
      // sendfile(2) from the page cache straight to the socket.
      Status s = co_await WriteHead(status, length);
      if (!s.ok() || head_) co_return s;
      auto& socket = stream_.socket();
      beast::error_code ec;
      socket.native_non_blocking(true, ec);
      if (ec) co_return Broken(InternalError("socket: " + ec.message()));
      auto watchdog = std::make_shared<Watchdog>(socket, options_.io_timeout);
      watchdog->Arm(watchdog);
      off_t off = static_cast<off_t>(offset);
      uint64_t remaining = length;
      while (remaining > 0 && s.ok()) {
        size_t chunk = static_cast<size_t>(std::min<uint64_t>(remaining, 64u << 20));
        ssize_t n = ::sendfile(socket.native_handle(), fd, &off, chunk);
        if (n > 0) {
          remaining -= static_cast<uint64_t>(n);
          bytes_ += static_cast<uint64_t>(n);
          watchdog->progress += static_cast<uint64_t>(n);
        } else if (n == 0) {
          s = DataLossError("blob file shorter than its recorded size");
        } else if (errno == EAGAIN) {
          co_await socket.async_wait(tcp::socket::wait_write, Redirect(ec));
          if (watchdog->fired) {
            s = Status(StatusCode::kDeadlineExceeded, "client too slow");
          } else if (ec) {
            s = AbortedError("wait: " + ec.message());
          }
        } else if (errno != EINTR) {
          s = ErrnoStatus(errno, "sendfile");
        }
      }
      watchdog->Stop();
      co_return s.ok() ? s : Broken(s);
    }
  }

  Task<Status> SendStream(int status, uint64_t offset, uint64_t length, ReadAtFn read) override {
    Status s = co_await WriteHead(status, length);
    if (!s.ok() || head_) co_return s;
    std::vector<char> buf(std::min<uint64_t>(length, kStreamBuffer));
    uint64_t done = 0;
    while (done < length) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), length - done));
      StatusOr<size_t> n = read(offset + done, std::span<char>(buf.data(), want));
      if (!n.ok()) co_return Broken(n.status());
      if (*n == 0) co_return Broken(DataLossError("blob shorter than its recorded size"));
      beast::error_code ec;
      TcpLayer(stream_).expires_after(options_.io_timeout);
      co_await asio::async_write(stream_, asio::buffer(buf.data(), *n), Redirect(ec));
      if (ec) co_return Broken(AbortedError("write: " + ec.message()));
      done += *n;
      bytes_ += *n;
    }
    co_return OkStatus();
  }

  bool sent() const override { return sent_; }
  int status() const override { return status_; }
  bool keep_alive() const { return keep_alive_; }
  uint64_t bytes() const { return bytes_; }

 private:
  static constexpr uint64_t kStreamBuffer = 256 * 1024;

  void Begin(int status) {
    sent_ = true;
    status_ = status;
    // A body the handler did not read would be taken for the next request: close instead.
    if (!request_.complete()) keep_alive_ = false;
  }

  template <typename Message>
  void Fill(Message& res) {
    for (auto& [name, value] : headers_) res.insert(name, value);
    res.keep_alive(keep_alive_);
  }

  Task<Status> WriteHead(int status, uint64_t length) {
    Begin(status);
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(status), version_};
    Fill(res);
    if (status != 204 && status != 304 && status >= 200) res.content_length(length);
    bhttp::response_serializer<bhttp::empty_body> sr(res);
    beast::error_code ec;
    TcpLayer(stream_).expires_after(options_.io_timeout);
    co_await bhttp::async_write_header(stream_, sr, Redirect(ec));
    co_return WriteStatus(ec);
  }

  Status WriteStatus(const beast::error_code& ec) {
    if (!ec) return OkStatus();
    return Broken(AbortedError("write: " + ec.message()));
  }

  Status Broken(Status s) {
    keep_alive_ = false;
    return s;
  }

  Stream& stream_;
  const BeastRequest<Stream>& request_;
  const bool head_;
  bool keep_alive_;
  const unsigned version_;
  const ServerOptions& options_;
  std::vector<std::pair<std::string, std::string>> headers_;
  bool sent_ = false;
  int status_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace cangku::http
