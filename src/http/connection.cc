#include "http/connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/beast_request.h"
#include "http/beast_response.h"
#include "http/stream.h"
#include "http/tls.h"

namespace cangku::http {
namespace {

using Clock = std::chrono::steady_clock;

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

// Over TLS: sends close_notify and waits a moment for the client's, dropping what it still
// sends meanwhile, then the TCP half of the lingering close.
Task<void> LingeringClose(TlsStream& stream) {
  beast::error_code ec;
  TcpLayer(stream).expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(Redirect(ec));
  co_await LingeringClose(TcpLayer(stream));
}

template <typename Stream>
void LogAccess(const ConnectionContext& ctx, const std::string& remote,
               const BeastRequest<Stream>& req, const BeastResponse<Stream>& resp,
               Clock::time_point start) {
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
         ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated;
}

template <typename Stream>
Task<void> AnswerBadRequest(Stream& stream, const beast::error_code& ec) {
  bhttp::response<bhttp::string_body> res{bhttp::status::bad_request, 11};
  res.set(bhttp::field::content_type, "text/plain");
  res.body() = "malformed HTTP request: " + ec.message() + "\n";
  res.keep_alive(false);
  res.prepare_payload();
  beast::error_code ignored;
  co_await bhttp::async_write(stream, res, Redirect(ignored));
}

// True when the handshake failed because the client spoke plain HTTP.
bool IsPlainHttp(const beast::error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST;
}

// Returns whether the TLS handshake succeeded; the connection counts as idle meanwhile, so that
// a drain cancels it, and as closed after a failure. A client that sent plain HTTP is told, in
// plain HTTP, to use HTTPS.
Task<bool> Handshake(TlsStream& stream, const std::string& remote, const ConnectionContext& ctx) {
  tcp::socket* key = &TcpLayer(stream).socket();
  ctx.track(key, ConnectionState::kIdle);
  beast::error_code ec = asio::error::operation_aborted;
  if (!ctx.draining->load()) {
    TcpLayer(stream).expires_after(ctx.options->io_timeout);
    co_await stream.async_handshake(ssl::stream_base::server, Redirect(ec));
    if (!ec) co_return true;
  }
  if (IsPlainHttp(ec)) {
    static constexpr std::string_view kAnswer =
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 42\r\n"
        "Connection: close\r\n\r\nthis server speaks HTTPS: use https:// URLs";
    beast::error_code ignored;
    co_await asio::async_write(TcpLayer(stream), asio::buffer(kAnswer.data(), kAnswer.size()),
                               Redirect(ignored));
  }
  if (IsDisconnect(ec)) {
    ctx.logger->debug("TLS handshake with {}: {}", remote, ec.message());
  } else {
    ctx.logger->info("TLS handshake with {} failed: {}", remote, ec.message());
  }
  ctx.track(key, ConnectionState::kClosed);
  co_return false;
}

// The client's address; turns Nagle's algorithm off.
std::string Prepare(tcp::socket& socket) {
  beast::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  std::string remote = ec ? "unknown" : endpoint.address().to_string();
  socket.set_option(tcp::no_delay(true), ec);
  return remote;
}

// Serves requests on `stream` until the client closes, a timeout, or a drain.
template <typename Stream>
Task<void> Serve(Stream stream, ConnectionContext ctx) {
  tcp::socket* key = &TcpLayer(stream).socket();
  std::string remote = Prepare(*key);
  if constexpr (kLayered<Stream>) {
    bool ok = co_await Handshake(stream, remote, ctx);
    if (!ok) co_return;
  }
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (;;) {
    ctx.track(key, ConnectionState::kIdle);
    if (ctx.draining->load()) break;
    Parser parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(static_cast<std::uint32_t>(ctx.options->max_header_bytes));
    TcpLayer(stream).expires_after(ctx.options->idle_timeout);
    co_await bhttp::async_read_header(stream, buffer, parser, Redirect(ec));
    ctx.track(key, ConnectionState::kBusy);
    if (ec) {
      if (!IsDisconnect(ec)) co_await AnswerBadRequest(stream, ec);
      break;
    }
    auto start = Clock::now();
    BeastRequest<Stream> request(parser, stream, buffer, remote, *ctx.options);
    BeastResponse<Stream> response(stream, request,
                                   parser.get().keep_alive() && !ctx.draining->load(),
                                   parser.get().version(), *ctx.options);
    try {
      co_await ctx.handler->Handle(request, response);
    } catch (const std::exception& e) {
      ctx.logger->error("handler threw: {}", e.what());
    }
    if (!response.sent()) {
      Status s = co_await response.Send(500, "");
      s.IgnoreError();
    }
    if (ctx.options->access_log) LogAccess(ctx, remote, request, response, start);
    if (buffer.capacity() > 64 * 1024 && buffer.size() == 0) buffer.shrink_to_fit();
    if (!response.keep_alive()) {
      co_await LingeringClose(stream);
      break;
    }
  }
  ctx.track(key, ConnectionState::kClosed);
}

}  // namespace

Task<void> ServeConnection(tcp::socket socket, ConnectionContext ctx) {
  return Serve(beast::tcp_stream(std::move(socket)), std::move(ctx));
}

Task<void> ServeTlsConnection(tcp::socket socket, ssl::context& tls, ConnectionContext ctx) {
  std::optional<TlsStream> stream;
  try {
    stream.emplace(std::move(socket), tls);  // throws when OpenSSL cannot make a session
  } catch (const std::exception& e) {
    ctx.logger->error("TLS session: {}", e.what());
    co_return;
  }
  co_await Serve(std::move(*stream), std::move(ctx));
}

}  // namespace cangku::http
