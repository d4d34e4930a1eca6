#pragma once

// The coroutine type handlers are written in. Everything asynchronous the HTTP layer offers
// (reading a body, sending a response, running blocking work on the worker pool) is awaited
// as a Task. Asio is reached only through this header and asio.h, both of this module.
//
// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>: keep the order.
// clang-format off
#include <utility>
#include <boost/asio/awaitable.hpp>
// clang-format on

namespace cangku::http {

template <typename T>
using Task = boost::asio::awaitable<T>;

}  // namespace cangku::http
