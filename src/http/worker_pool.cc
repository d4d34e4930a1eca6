#include "http/worker_pool.h"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cangku::http {

namespace asio = boost::asio;

struct WorkerPool::Impl {
  explicit Impl(size_t threads) : pool(threads) {}
  asio::thread_pool pool;
};

WorkerPool::WorkerPool(size_t threads) : impl_(std::make_unique<Impl>(threads)) {}

WorkerPool::~WorkerPool() { Join(); }

void WorkerPool::Join() { impl_->pool.join(); }

Task<void> WorkerPool::Dispatch(std::function<void()> work) {
  auto initiate = [this, &work](auto handler) {
    asio::post(impl_->pool, [&work, handler = std::move(handler)]() mutable {
      work();
      auto ex = asio::get_associated_executor(handler);
      asio::post(ex, std::move(handler));
    });
  };
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(initiate,
                                                                       asio::use_awaitable);
}

}  // namespace cangku::http
