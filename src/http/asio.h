#pragma once

// Asio and Beast for this module's .cc files only; never included from another module.
// Boost 1.74 needs <utility> before any Asio header (see task.h): keep the order.
// clang-format off
#include <utility>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

namespace cangku::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
}  // namespace cangku::http
