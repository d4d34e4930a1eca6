#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "http/exchange.h"
#include "http/server.h"
#include "http/stream.h"

namespace cangku::http {

// A request read from `Stream` (the TCP stream, or TLS over it). Owned by the connection.
template <typename Stream>
class BeastRequest final : public Request {
 public:
  BeastRequest(Parser& parser, Stream& stream, beast::flat_buffer& buffer,
               const std::string& remote, const ServerOptions& options)
      : parser_(parser), stream_(stream), buffer_(buffer), remote_(remote), options_(options) {
    has_body_ = !parser_.is_done();
    if (has_body_ && !parser_.chunked()) remaining_ = parser_.content_length().value_or(0);
    auto expect = header("Expect");
    expects_continue_ = expect && beast::iequals(beast::string_view(expect->data(), expect->size()),
                                                 "100-continue");
  }

  std::string_view method() const override { return View(parser_.get().method_string()); }
  std::string_view target() const override { return View(parser_.get().target()); }
  std::optional<std::string_view> header(std::string_view name) const override {
    const auto& fields = parser_.get();
    auto it = fields.find(beast::string_view(name.data(), name.size()));
    if (it == fields.end()) return std::nullopt;
    return View(it->value());
  }
  const std::string& remote_address() const override { return remote_; }
  std::optional<uint64_t> content_length() const override {
    if (parser_.chunked()) return std::nullopt;
    auto len = parser_.content_length();
    return len ? std::optional<uint64_t>(*len) : std::optional<uint64_t>(0);
  }
  bool has_body() const override { return has_body_; }

  Task<StatusOr<size_t>> ReadBody(std::span<char> buf) override {
    if (complete() || buf.empty()) co_return size_t{0};
    if (failed_) co_return AbortedError("request body already failed");
    if (expects_continue_) {
      expects_continue_ = false;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      beast::error_code ec;
      TcpLayer(stream_).expires_after(options_.io_timeout);
      co_await asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                                 Redirect(ec));
      if (ec) co_return Fail(ec);
    }
    // Two statements, not one conditional expression: GCC 12 destroys the temporary awaitable
    // of a conditional co_await twice.
    if (remaining_) co_return co_await ReadLengthBody(buf);
    co_return co_await ReadChunkedBody(buf);
  }

  bool complete() const { return remaining_ ? *remaining_ == 0 : parser_.is_done(); }

 private:
  // A body of known length goes straight from the socket into the caller's buffer: no copy
  // through the parser, and reads as large as the buffer.
  Task<StatusOr<size_t>> ReadLengthBody(std::span<char> buf) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), *remaining_));
    size_t n = 0;
    if (buffer_.size() > 0) {
      n = asio::buffer_copy(asio::buffer(buf.data(), want), buffer_.data());
      buffer_.consume(n);
    } else {
      beast::error_code ec;
      TcpLayer(stream_).expires_after(options_.io_timeout);
      n = co_await stream_.async_read_some(asio::buffer(buf.data(), want), Redirect(ec));
      if (ec) co_return Fail(ec);
    }
    *remaining_ -= n;
    co_return n;
  }

  Task<StatusOr<size_t>> ReadChunkedBody(std::span<char> buf) {
    // Beast sizes its reads by the buffer's free capacity: give it room for large reads.
    if (buffer_.capacity() < kChunkedReadBuffer) buffer_.reserve(kChunkedReadBuffer);
    for (;;) {
      auto& body = parser_.get().body();
      body.data = buf.data();
      body.size = buf.size();
      body.more = true;
      beast::error_code ec;
      TcpLayer(stream_).expires_after(options_.io_timeout);
      co_await bhttp::async_read_some(stream_, buffer_, parser_, Redirect(ec));
      if (ec == bhttp::error::need_buffer) ec = {};
      size_t n = buf.size() - body.size;
      if (ec) co_return Fail(ec);
      if (n > 0 || parser_.is_done()) co_return n;
    }
  }

  static constexpr size_t kChunkedReadBuffer = 256 * 1024;

  Status Fail(const beast::error_code& ec) {
    failed_ = true;
    if (ec == beast::error::timeout) {
      return Status(StatusCode::kDeadlineExceeded, "client too slow: " + ec.message());
    }
    return AbortedError("request body: " + ec.message());
  }

  Parser& parser_;
  Stream& stream_;
  beast::flat_buffer& buffer_;
  const std::string& remote_;
  const ServerOptions& options_;
  bool has_body_ = false;
  std::optional<uint64_t> remaining_;  // body bytes still to read, when the length is known
  bool expects_continue_ = false;
  bool failed_ = false;
};

}  // namespace cangku::http
