#include "http/server.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/connection.h"
#include "http/tls.h"

namespace cangku::http {

struct Server::Impl {
  Impl(const ServerOptions& o, Handler& h, std::shared_ptr<Logger> l, std::shared_ptr<Logger> a)
      : options(o), handler(h), logger(std::move(l)), access_log(std::move(a)) {}

  // Constant after construction.
  const ServerOptions options;
  Handler& handler;
  const std::shared_ptr<Logger> logger;
  const std::shared_ptr<Logger> access_log;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::unique_ptr<ssl::context> tls;        // HTTPS when set; shared by every connection
  std::unique_ptr<tcp::acceptor> acceptor;  // runs on contexts[0]
  std::unique_ptr<asio::signal_set> signals;
  uint16_t port = 0;

  std::atomic<bool> draining{false};

  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<tcp::socket*, ConnectionState> sockets;  // guarded by mu
  bool stop_requested = false;                                // guarded by mu

  Status Bind(const tcp::endpoint& endpoint);
  Task<void> Accept();
  void Track(tcp::socket* socket, ConnectionState state);
  void CloseIfIdle(tcp::socket* socket);
  void Shutdown();
};

// One listener (no SO_REUSEPORT: a second server on the same port must fail, not share it).
Status Server::Impl::Bind(const tcp::endpoint& endpoint) {
  acceptor = std::make_unique<tcp::acceptor>(*contexts[0]);
  beast::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(1024, ec);
  if (ec) {
    return UnavailableError("cannot listen on " + endpoint.address().to_string() + ":" +
                            std::to_string(endpoint.port()) + ": " + ec.message());
  }
  port = acceptor->local_endpoint().port();
  return OkStatus();
}

// Accepts on contexts[0] and hands the connections to the I/O contexts in turn.
Task<void> Server::Impl::Accept() {
  for (size_t next = 0;; next = (next + 1) % contexts.size()) {
    beast::error_code ec;
    asio::io_context& target = *contexts[next];
    tcp::socket socket =
        co_await acceptor->async_accept(target, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      logger->warn("accept: {}", ec.message());
      continue;
    }
    {
      std::lock_guard lock(mu);
      if (sockets.size() >= options.max_connections) {
        socket.close(ec);
        continue;
      }
    }
    ConnectionContext ctx{
        &options,         &handler,  logger.get(),
        access_log.get(), &draining, [this](tcp::socket* s, ConnectionState st) { Track(s, st); }};
    if (tls) {
      asio::co_spawn(target, ServeTlsConnection(std::move(socket), *tls, std::move(ctx)),
                     asio::detached);
    } else {
      asio::co_spawn(target, ServeConnection(std::move(socket), std::move(ctx)), asio::detached);
    }
  }
}

void Server::Impl::Track(tcp::socket* socket, ConnectionState state) {
  std::lock_guard lock(mu);
  if (state == ConnectionState::kClosed) {
    sockets.erase(socket);
    if (sockets.empty()) cv.notify_all();
  } else {
    sockets[socket] = state;
  }
}

// Runs on the socket's own I/O thread, where the connection also runs: if the socket is still
// registered and idle, it is alive and may be cancelled.
void Server::Impl::CloseIfIdle(tcp::socket* socket) {
  std::lock_guard lock(mu);
  auto it = sockets.find(socket);
  if (it == sockets.end() || it->second != ConnectionState::kIdle) return;
  beast::error_code ec;
  socket->cancel(ec);
}

void Server::Impl::Shutdown() {
  if (draining.exchange(true)) return;
  asio::post(*contexts[0], [this] {
    beast::error_code ec;
    acceptor->close(ec);
    signals->cancel(ec);
  });
  std::lock_guard lock(mu);
  for (auto& [socket, state] : sockets) {
    if (state != ConnectionState::kIdle) continue;
    asio::post(socket->get_executor(), [this, s = socket] { CloseIfIdle(s); });
  }
  stop_requested = true;
  cv.notify_all();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

StatusOr<std::unique_ptr<Server>> Server::Create(const ServerOptions& options, Handler& handler,
                                                 std::shared_ptr<Logger> logger,
                                                 std::shared_ptr<Logger> access_log) {
  auto impl = std::make_unique<Impl>(options, handler, std::move(logger), std::move(access_log));
  size_t threads = options.io_threads ? options.io_threads : std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;
  beast::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return InvalidArgumentError("bad listen address '" + options.address + "'");
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty() ||
      !options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(impl->tls, MakeServerTlsContext(options));
  }
  for (size_t i = 0; i < threads; ++i) {
    impl->contexts.push_back(std::make_unique<asio::io_context>(1));
  }
  RETURN_IF_ERROR(impl->Bind(tcp::endpoint(address, options.port)));
  impl->signals = std::make_unique<asio::signal_set>(*impl->contexts[0], SIGTERM, SIGINT);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port; }

void Server::Shutdown() { impl_->Shutdown(); }

void Server::Run() {
  Impl& s = *impl_;
  s.signals->async_wait([&s](const beast::error_code& ec, int signo) {
    if (ec) return;
    s.logger->info("signal {}: draining in-flight requests", signo);
    s.Shutdown();
  });
  asio::co_spawn(*s.contexts[0], s.Accept(), asio::detached);
  // Contexts other than the first have no work until a connection arrives: keep them running.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  for (auto& ctx : s.contexts) {
    guards.push_back(asio::make_work_guard(*ctx));
    threads.emplace_back([c = ctx.get()] { c->run(); });
  }
  s.logger->info("listening on {}:{} ({}) with {} I/O threads", s.options.address, s.port,
                 s.tls ? "HTTPS" : "HTTP", s.contexts.size());
  {
    std::unique_lock lock(s.mu);
    s.cv.wait(lock, [&s] { return s.stop_requested; });
    if (!s.cv.wait_for(lock, s.options.drain_timeout, [&s] { return s.sockets.empty(); })) {
      s.logger->warn("drain timeout: {} connections still open", s.sockets.size());
    }
  }
  for (auto& ctx : s.contexts) ctx->stop();
  for (auto& t : threads) t.join();
  s.logger->info("stopped");
}

}  // namespace cangku::http
