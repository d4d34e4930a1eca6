#include "storage/filesystem/background_sync.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace cangku::storage {
namespace {

bool Ready(const std::shared_future<void>& f) {
  return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

class BackgroundSyncTest : public ::testing::Test {
 protected:
  BackgroundSyncTest() {
    std::string pattern = "/tmp/cangku-sync-XXXXXX";
    fd_ = ScopedFd(::mkstemp(pattern.data()));
    path_ = pattern;
  }
  ~BackgroundSyncTest() override { std::filesystem::remove(path_); }

  ScopedFd fd_;
  std::string path_;
};

TEST_F(BackgroundSyncTest, SyncCompletesAndTheCallerMayCloseAtOnce) {
  ASSERT_TRUE(fd_.valid());
  BackgroundSync sync;
  ASSERT_EQ(::write(fd_.get(), "data", 4), 4);
  std::shared_future<void> done = sync.Sync(fd_.get());
  fd_.Reset();
  EXPECT_EQ(done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
}

TEST_F(BackgroundSyncTest, InvalidDescriptorIsReadyAtOnce) {
  BackgroundSync sync;
  EXPECT_TRUE(Ready(sync.Sync(-1)));
}

TEST_F(BackgroundSyncTest, DestructorFinishesEveryQueuedSync) {
  ASSERT_TRUE(fd_.valid());
  std::vector<std::shared_future<void>> pending;
  {
    BackgroundSync sync;
    for (int i = 0; i < 20; ++i) {
      ASSERT_EQ(::write(fd_.get(), "x", 1), 1);
      pending.push_back(sync.Sync(fd_.get()));
    }
  }
  for (const auto& f : pending) EXPECT_TRUE(Ready(f));
}

}  // namespace
}  // namespace cangku::storage
