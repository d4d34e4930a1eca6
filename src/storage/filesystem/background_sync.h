#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <utility>

#include "storage/filesystem/posix_file.h"

namespace cangku::storage {

// Runs fdatasync(2) of uploads in progress on one background thread, so that a large upload
// reaches stable storage while it streams in and the fsync before its commit waits only for
// the tail. On a virtual disk the device flush of a large file costs about as much as writing
// it (0.25 s for 512 MiB here); left to the commit it was a quarter of the push.
// Thread-safe. The thread starts with the first Sync; the destructor finishes queued syncs.
class BackgroundSync {
 public:
  BackgroundSync() = default;
  ~BackgroundSync();
  BackgroundSync(const BackgroundSync&) = delete;
  BackgroundSync& operator=(const BackgroundSync&) = delete;

  // Queues fdatasync of a duplicate of `fd` (the caller may close `fd` at once). The future is
  // ready once it has returned; its result is not reported, because the commit syncs again and
  // reports that. If the descriptor cannot be duplicated the future is ready at once.
  std::shared_future<void> Sync(int fd);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::pair<ScopedFd, std::promise<void>>> queue_;  // guarded by mu_
  bool stopping_ = false;                                      // guarded by mu_
  std::thread thread_;                                         // started under mu_
};

}  // namespace cangku::storage
