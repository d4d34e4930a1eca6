#include "http/buffer_pool.h"

#include <algorithm>
#include <iterator>

namespace cangku::http {

BufferPool::Buffer BufferPool::Get(size_t want) {
  if (want < buffer_size_ / 16) return Buffer(new char[want], Return());
  std::unique_ptr<char[]> data;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      data = std::move(idle_.back());
      idle_.pop_back();
      fewest_idle_ = std::min(fewest_idle_, idle_.size());
    }
  }
  if (!data) data.reset(new char[buffer_size_]);
  return Buffer(data.release(), Return(this));
}

size_t BufferPool::idle() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

void BufferPool::Trim() {
  std::vector<std::unique_ptr<char[]>> unused;
  {
    std::lock_guard lock(mu_);
    size_t n = std::min(fewest_idle_, idle_.size());
    unused.assign(std::make_move_iterator(idle_.end() - static_cast<std::ptrdiff_t>(n)),
                  std::make_move_iterator(idle_.end()));
    idle_.resize(idle_.size() - n);
    fewest_idle_ = idle_.size();
  }
}

void BufferPool::Put(char* data) {
  std::unique_ptr<char[]> owned(data);
  std::lock_guard lock(mu_);
  if (idle_.size() < keep_) idle_.push_back(std::move(owned));
}

}  // namespace cangku::http
