#include "http/connection.h"

#include <sys/sendfile.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <vector>

namespace cangku::http {
namespace {

using Clock = std::chrono::steady_clock;
using Parser = bhttp::request_parser<bhttp::buffer_body>;

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

auto Redirect(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

class BeastRequest final : public Request {
 public:
  BeastRequest(Parser& parser, beast::tcp_stream& stream, beast::flat_buffer& buffer,
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
      stream_.expires_after(options_.io_timeout);
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
      stream_.expires_after(options_.io_timeout);
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
      stream_.expires_after(options_.io_timeout);
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
  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  const std::string& remote_;
  const ServerOptions& options_;
  bool has_body_ = false;
  std::optional<uint64_t> remaining_;  // body bytes still to read, when the length is known
  bool expects_continue_ = false;
  bool failed_ = false;
};

class BeastResponse final : public Response {
 public:
  BeastResponse(beast::tcp_stream& stream, const BeastRequest& request, bool keep_alive,
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
    stream_.expires_after(options_.io_timeout);
    co_await bhttp::async_write(stream_, res, Redirect(ec));
    co_return WriteStatus(ec);
  }

  Task<Status> SendFile(int status, int fd, uint64_t offset, uint64_t length) override {
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

  Task<Status> SendStream(int status, uint64_t offset, uint64_t length, ReadAtFn read) override {
    Status s = co_await WriteHead(status, length);
    if (!s.ok() || head_) co_return s;
    std::vector<char> buf(std::min<uint64_t>(length, 256 * 1024));
    uint64_t done = 0;
    while (done < length) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), length - done));
      StatusOr<size_t> n = read(offset + done, std::span<char>(buf.data(), want));
      if (!n.ok()) co_return Broken(n.status());
      if (*n == 0) co_return Broken(DataLossError("blob shorter than its recorded size"));
      beast::error_code ec;
      stream_.expires_after(options_.io_timeout);
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
    stream_.expires_after(options_.io_timeout);
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

  beast::tcp_stream& stream_;
  const BeastRequest& request_;
  const bool head_;
  bool keep_alive_;
  const unsigned version_;
  const ServerOptions& options_;
  std::vector<std::pair<std::string, std::string>> headers_;
  bool sent_ = false;
  int status_ = 0;
  uint64_t bytes_ = 0;
};

// Half-closes, then reads and drops what the client still sends for a moment, so that it
// sees the response rather than a reset (a "lingering close").
Task<void> LingeringClose(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::vector<char> sink(64 * 1024);
  size_t total = 0;
  stream.expires_after(std::chrono::seconds(2));
  while (!ec && total < (8u << 20)) {
    total += co_await stream.async_read_some(asio::buffer(sink), Redirect(ec));
  }
  stream.socket().close(ec);
}

void LogAccess(const ConnectionContext& ctx, const std::string& remote, const BeastRequest& req,
               const BeastResponse& resp, Clock::time_point start) {
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (ctx.options->log_format == LogFormat::kJson) {
    ctx.access_log->info(
        R"("remote":"{}","method":"{}","target":"{}","status":{},"bytes":{},"ms":{:.3f})", remote,
        JsonEscape(req.method()), JsonEscape(req.target()), resp.status(), resp.bytes(), ms);
  } else {
    ctx.access_log->info("{} \"{} {}\" {} {} {:.3f}ms", remote, req.method(), req.target(),
                         resp.status(), resp.bytes(), ms);
  }
}

bool IsDisconnect(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::operation_aborted || ec == beast::error::timeout ||
         ec == asio::error::connection_reset;
}

Task<void> AnswerBadRequest(beast::tcp_stream& stream, const beast::error_code& ec) {
  bhttp::response<bhttp::string_body> res{bhttp::status::bad_request, 11};
  res.set(bhttp::field::content_type, "text/plain");
  res.body() = "malformed HTTP request: " + ec.message() + "\n";
  res.keep_alive(false);
  res.prepare_payload();
  beast::error_code ignored;
  co_await bhttp::async_write(stream, res, Redirect(ignored));
}

}  // namespace

Task<void> ServeConnection(tcp::socket socket, ConnectionContext ctx) {
  beast::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  std::string remote = ec ? "unknown" : endpoint.address().to_string();
  socket.set_option(tcp::no_delay(true), ec);
  beast::tcp_stream stream(std::move(socket));
  tcp::socket* key = &stream.socket();
  beast::flat_buffer buffer;
  for (;;) {
    ctx.track(key, ConnectionState::kIdle);
    if (ctx.draining->load()) break;
    Parser parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(static_cast<std::uint32_t>(ctx.options->max_header_bytes));
    stream.expires_after(ctx.options->idle_timeout);
    co_await bhttp::async_read_header(stream, buffer, parser, Redirect(ec));
    ctx.track(key, ConnectionState::kBusy);
    if (ec) {
      if (!IsDisconnect(ec)) co_await AnswerBadRequest(stream, ec);
      break;
    }
    auto start = Clock::now();
    BeastRequest request(parser, stream, buffer, remote, *ctx.options);
    BeastResponse response(stream, request, parser.get().keep_alive() && !ctx.draining->load(),
                           parser.get().version(), *ctx.options);
    try {
      co_await ctx.handler->Handle(request, response);
    } catch (const std::exception& e) {
      ctx.logger->error("handler threw: {}", e.what());
    }
    if (!response.sent()) (co_await response.Send(500, "")).IgnoreError();
    if (ctx.options->access_log) LogAccess(ctx, remote, request, response, start);
    if (buffer.capacity() > 64 * 1024 && buffer.size() == 0) buffer.shrink_to_fit();
    if (!response.keep_alive()) {
      co_await LingeringClose(stream);
      break;
    }
  }
  ctx.track(key, ConnectionState::kClosed);
}

}  // namespace cangku::http
