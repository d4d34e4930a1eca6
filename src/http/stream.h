#pragma once

// What the connection code shares between plain and TLS streams. The request and response are
// templates on the stream type, so that plain HTTP keeps its direct calls on the TCP stream.
#include <string_view>
#include <type_traits>

#include "http/asio.h"

namespace cangku::http {

using Parser = bhttp::request_parser<bhttp::buffer_body>;

inline std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

inline auto Redirect(beast::error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

// True for a stream layered over the TCP stream (TLS), false for the TCP stream itself.
template <typename Stream>
inline constexpr bool kLayered = !std::is_same_v<Stream, beast::tcp_stream>;

// The TCP stream under `stream` (itself when plain): timeouts and the socket live there.
template <typename Stream>
beast::tcp_stream& TcpLayer(Stream& stream) {
  return beast::get_lowest_layer(stream);
}

}  // namespace cangku::http
