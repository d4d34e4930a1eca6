#include "http/buffer_pool.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace cangku::http {
namespace {

TEST(BufferPoolTest, ReusesAReturnedBuffer) {
  BufferPool pool(4096, 2);
  char* first = nullptr;
  {
    BufferPool::Buffer buffer = pool.Get(4096);
    first = buffer.get();
    std::memset(buffer.get(), 'x', pool.buffer_size());
  }
  EXPECT_EQ(pool.idle(), 1u);
  BufferPool::Buffer again = pool.Get(4096);
  EXPECT_EQ(again.get(), first);
  EXPECT_EQ(pool.idle(), 0u);
}

// Holds `n` buffers at once, then gives them all back.
void Burst(BufferPool& pool, int n) {
  std::vector<BufferPool::Buffer> held;
  for (int i = 0; i < n; ++i) held.push_back(pool.Get(pool.buffer_size()));
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(BufferPoolTest, KeepsNoMoreThanItsLimit) {
  BufferPool pool(1024, 2);
  Burst(pool, 5);
  EXPECT_EQ(pool.idle(), 2u);
}

TEST(BufferPoolTest, SmallBuffersAreNotKept) {
  BufferPool pool(4096, 2);
  { BufferPool::Buffer buffer = pool.Get(100); }
  EXPECT_EQ(pool.idle(), 0u);
  { BufferPool::Buffer buffer = pool.Get(1 << 20); }
  EXPECT_EQ(pool.idle(), 1u);
}

TEST(BufferPoolTest, TrimFreesWhatAWholePeriodLeftIdle) {
  BufferPool pool(1024, 8);
  Burst(pool, 4);
  EXPECT_EQ(pool.idle(), 4u);
  pool.Trim();  // the burst's period: none was idle throughout, all are kept
  EXPECT_EQ(pool.idle(), 4u);
  { BufferPool::Buffer one = pool.Get(1024); }  // the next period needs one at a time
  pool.Trim();
  EXPECT_EQ(pool.idle(), 1u);
  pool.Trim();  // a period with no use at all
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(BufferPoolTest, KeepingNoneFreesEveryBuffer) {
  BufferPool pool(1024, 0);
  { BufferPool::Buffer buffer = pool.Get(4096); }
  EXPECT_EQ(pool.idle(), 0u);
}

}  // namespace
}  // namespace cangku::http
