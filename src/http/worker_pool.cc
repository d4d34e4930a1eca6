#include "http/worker_pool.h"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>

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

struct PoolJob::State {
  std::mutex mu;
  bool done = false;             // guarded by mu
  std::function<void()> resume;  // guarded by mu; set by a Wait that came first
};

PoolJob WorkerPool::Start(std::function<void()> work) {
  auto state = std::make_shared<PoolJob::State>();
  asio::post(impl_->pool, [state, work = std::move(work)] {
    work();
    std::function<void()> resume;
    {
      std::lock_guard lock(state->mu);
      state->done = true;
      resume = std::move(state->resume);
    }
    if (resume) resume();
  });
  return PoolJob(std::move(state));
}

Task<void> PoolJob::Wait() {
  auto initiate = [state = state_](auto handler) {
    // The handler is move-only; std::function needs a copyable callable.
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    auto resume = [shared] {
      auto ex = asio::get_associated_executor(*shared);
      asio::post(ex, std::move(*shared));
    };
    std::unique_lock lock(state->mu);
    if (state->done) {
      lock.unlock();
      resume();
    } else {
      state->resume = std::move(resume);
    }
  };
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(initiate,
                                                                       asio::use_awaitable);
}

}  // namespace cangku::http
