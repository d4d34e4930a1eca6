#include "http/server.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/connection.h"

namespace cangku::http {

namespace {
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
}  // namespace

struct Server::Impl {
  Impl(const ServerOptions& o, Handler& h, std::shared_ptr<Logger> l, std::shared_ptr<Logger> a)
      : options(o), handler(h), logger(std::move(l)), access_log(std::move(a)) {}

  // Constant after construction.
  const ServerOptions options;
  Handler& handler;
  const std::shared_ptr<Logger> logger;
  const std::shared_ptr<Logger> access_log;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::unique_ptr<asio::signal_set> signals;
  uint16_t port = 0;

  std::atomic<bool> draining{false};

  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<tcp::socket*, ConnectionState> sockets;  // guarded by mu
  bool stop_requested = false;                                 // guarded by mu

  Status Bind(asio::io_context& ctx, const tcp::endpoint& endpoint);
  Task<void> Accept(size_t index);
  void Track(tcp::socket* socket, ConnectionState state);
  void CloseIfIdle(tcp::socket* socket);
  void Shutdown();
};

Status Server::Impl::Bind(asio::io_context& ctx, const tcp::endpoint& endpoint) {
  auto acceptor = std::make_unique<tcp::acceptor>(ctx);
  beast::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->set_option(ReusePort(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(1024, ec);
  if (ec) {
    return UnavailableError("cannot listen on " + endpoint.address().to_string() + ":" +
                            std::to_string(endpoint.port()) + ": " + ec.message());
  }
  port = acceptor->local_endpoint().port();
  acceptors.push_back(std::move(acceptor));
  return OkStatus();
}

Task<void> Server::Impl::Accept(size_t index) {
  tcp::acceptor& acceptor = *acceptors[index];
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
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
    ConnectionContext ctx{&options, &handler, logger.get(), access_log.get(), &draining,
                          [this](tcp::socket* s, ConnectionState st) { Track(s, st); }};
    asio::co_spawn(acceptor.get_executor(), ServeConnection(std::move(socket), std::move(ctx)),
                   asio::detached);
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
  for (size_t i = 0; i < acceptors.size(); ++i) {
    asio::post(*contexts[i], [a = acceptors[i].get()] {
      beast::error_code ec;
      a->close(ec);
    });
  }
  asio::post(*contexts[0], [this] {
    beast::error_code ec;
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
  auto impl =
      std::make_unique<Impl>(options, handler, std::move(logger), std::move(access_log));
  size_t threads = options.io_threads ? options.io_threads : std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;
  beast::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return InvalidArgumentError("bad listen address '" + options.address + "'");
  for (size_t i = 0; i < threads; ++i) {
    impl->contexts.push_back(std::make_unique<asio::io_context>(1));
    uint16_t port = i == 0 ? options.port : impl->port;
    RETURN_IF_ERROR(impl->Bind(*impl->contexts.back(), tcp::endpoint(address, port)));
  }
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
  std::vector<std::thread> threads;
  for (size_t i = 0; i < s.contexts.size(); ++i) {
    asio::co_spawn(*s.contexts[i], s.Accept(i), asio::detached);
    threads.emplace_back([ctx = s.contexts[i].get()] { ctx->run(); });
  }
  s.logger->info("listening on {}:{} with {} I/O threads", s.options.address, s.port,
                 s.contexts.size());
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
