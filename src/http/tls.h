#pragma once

// OpenSSL through Asio and Beast, for this module's .cc files only; never included from another
// module. asio.h comes first (<utility> before any Asio header): keep the order.
// clang-format off
#include "http/asio.h"
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
// clang-format on

#include <memory>

#include "common/status.h"
#include "http/server.h"

namespace cangku::http {

namespace ssl = boost::asio::ssl;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The server's TLS context from options.tls_cert_file, tls_key_file and (for mutual TLS)
// tls_client_ca_file: TLS 1.2 and 1.3 only, the server's cipher preference. With a client CA,
// a handshake without a client certificate that verifies against it fails.
// Errors: kInvalidArgument naming the file when one cannot be read, is not PEM, when the key
// does not match the certificate, or when only some of the files are given.
StatusOr<std::unique_ptr<ssl::context>> MakeServerTlsContext(const ServerOptions& options);

}  // namespace cangku::http
