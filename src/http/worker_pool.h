#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

#include "http/task.h"

namespace cangku::http {

// Work started on a WorkerPool now and awaited later, so that a coroutine can do something
// else meanwhile (read the next buffer while the last one is written, say). Wait exactly once.
class PoolJob {
 public:
  // Resumes the awaiting coroutine, on its own executor, once the work has finished.
  Task<void> Wait();

 private:
  friend class WorkerPool;
  struct State;
  explicit PoolJob(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

// Threads for blocking work (SQLite, fsync, directory scans) so that it never runs on an I/O
// thread. Thread-safe.
class WorkerPool {
 public:
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `fn` on a pool thread; the awaiting coroutine resumes on its own executor with the
  // result. `fn` must not throw.
  template <typename F>
  Task<std::invoke_result_t<F>> Run(F fn) {
    using R = std::invoke_result_t<F>;
    std::optional<R> result;
    co_await Dispatch([&] { result.emplace(fn()); });
    co_return std::move(*result);
  }

  // Starts `work` on a pool thread at once. `work` must not throw, and what it references
  // must live until Wait returns.
  PoolJob Start(std::function<void()> work);

  // Waits for queued work to finish and joins the threads.
  void Join();

 private:
  Task<void> Dispatch(std::function<void()> work);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cangku::http
