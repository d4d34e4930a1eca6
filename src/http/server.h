#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/log.h"
#include "common/status.h"
#include "http/exchange.h"

namespace cangku::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 5000;
  // One io_context (and thread) per core when 0.
  size_t io_threads = 0;
  // A connection waiting for a request head longer than this is closed.
  std::chrono::seconds idle_timeout{60};
  // A body read or response write that makes no progress for this long fails.
  std::chrono::seconds io_timeout{60};
  // How long SIGTERM waits for in-flight requests before stopping anyway.
  std::chrono::seconds drain_timeout{30};
  size_t max_connections = 10000;
  size_t max_header_bytes = 64 * 1024;
  bool access_log = true;
  LogFormat log_format = LogFormat::kText;
  // HTTPS when both are set (PEM files): the certificate chain, leaf first, and its private key
  // (unencrypted). TLS 1.2 and 1.3 only.
  std::string tls_cert_file;
  std::string tls_key_file;
  // With HTTPS: when set, clients must present a certificate that verifies against the CA
  // certificates in this PEM file (mutual TLS); the handshake fails otherwise.
  std::string tls_client_ca_file;
};

// The HTTP/1.1 server, over TLS when configured: one io_context per I/O thread; one listener hands
// connections to them in turn. Knows nothing about OCI: every request goes to the one Handler.
class Server {
 public:
  // Binds the listening sockets. `handler` must outlive the server. `access_log` gets a line
  // per request (in JSON format, as JSON members; see MakeStderrLogger), `logger` the rest.
  // Reads and checks the TLS files, if any.
  // Errors: kInvalidArgument for a bad address, or TLS files that cannot be read, are not PEM,
  // or hold a key that does not match the certificate; kUnavailable when the address cannot be
  // bound.
  static StatusOr<std::unique_ptr<Server>> Create(const ServerOptions& options, Handler& handler,
                                                  std::shared_ptr<Logger> logger,
                                                  std::shared_ptr<Logger> access_log);
  ~Server();

  // The bound port (useful when options.port was 0).
  uint16_t port() const;
  // Serves until Shutdown() or SIGTERM/SIGINT, then drains in-flight requests (up to
  // drain_timeout) and returns.
  void Run();
  // Stops accepting, closes idle connections, lets in-flight requests finish. Thread-safe.
  void Shutdown();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cangku::http
