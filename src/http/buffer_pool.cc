#include "http/buffer_pool.h"

namespace cangku::http {

BufferPool::Buffer BufferPool::Get(size_t want) {
  if (want < buffer_size_ / 16) return Buffer(new char[want], Return());
  std::unique_ptr<char[]> data;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      data = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!data) data.reset(new char[buffer_size_]);
  return Buffer(data.release(), Return(this));
}

size_t BufferPool::idle() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

void BufferPool::Put(char* data) {
  std::unique_ptr<char[]> owned(data);
  std::lock_guard lock(mu_);
  if (idle_.size() < keep_) idle_.push_back(std::move(owned));
}

}  // namespace cangku::http
