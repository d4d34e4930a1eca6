#include "storage/filesystem/background_sync.h"

#include <fcntl.h>
#include <unistd.h>

namespace cangku::storage {

BackgroundSync::~BackgroundSync() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::shared_future<void> BackgroundSync::Sync(int fd) {
  std::promise<void> done;
  std::shared_future<void> future = done.get_future().share();
  ScopedFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!copy.valid()) {
    done.set_value();
    return future;
  }
  {
    std::lock_guard lock(mu_);
    queue_.emplace_back(std::move(copy), std::move(done));
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  wake_.notify_one();
  return future;
}

void BackgroundSync::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to sync
    auto [fd, done] = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    ::fdatasync(fd.get());
    fd.Reset();
    done.set_value();
    lock.lock();
  }
}

}  // namespace cangku::storage
