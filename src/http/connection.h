#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "common/log.h"
#include "http/asio.h"
#include "http/exchange.h"
#include "http/server.h"

namespace boost::asio::ssl {
class context;
}

namespace cangku::http {

enum class ConnectionState { kIdle, kBusy, kClosed };

// State a connection shares with the server: immutable options plus the drain bookkeeping.
struct ConnectionContext {
  const ServerOptions* options = nullptr;
  Handler* handler = nullptr;
  Logger* logger = nullptr;
  Logger* access_log = nullptr;
  std::atomic<bool>* draining = nullptr;
  // Told of every state change of the connection's socket, so that a drain can close the
  // idle ones and wait for the others.
  std::function<void(tcp::socket* socket, ConnectionState state)> track;
};

// Serves one keep-alive connection until the client closes, a timeout, or a drain.
Task<void> ServeConnection(tcp::socket socket, ConnectionContext ctx);

// The same over TLS: the handshake (within options->io_timeout) comes first. `tls` must
// outlive the connection.
Task<void> ServeTlsConnection(tcp::socket socket, boost::asio::ssl::context& tls,
                              ConnectionContext ctx);

}  // namespace cangku::http
