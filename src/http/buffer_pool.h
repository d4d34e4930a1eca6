#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace cangku::http {

// Request-body buffers of one size, kept for reuse. A fresh buffer of a MiB comes from mmap(2)
// and takes a page fault per 4 KiB when first filled; in a storm of small pushes those faults
// were a tenth of the registry's CPU. Keeps at most `keep` idle buffers, and Trim gives back
// those a whole period did not need. Thread-safe; must outlive every buffer it hands out.
class BufferPool {
 public:
  BufferPool(size_t buffer_size, size_t keep) : buffer_size_(buffer_size), keep_(keep) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // Gives the buffer back to its pool when destroyed (frees it when it has no pool).
  class Return {
   public:
    explicit Return(BufferPool* pool = nullptr) : pool_(pool) {}
    void operator()(char* data) const {
      if (pool_) {
        pool_->Put(data);
      } else {
        delete[] data;
      }
    }

   private:
    BufferPool* pool_;
  };
  using Buffer = std::unique_ptr<char[], Return>;

  // A buffer for min(want, buffer_size()) bytes, not zero-filled: a pooled one (an idle one if
  // there is one), or for a small `want` (under a sixteenth of buffer_size()) a heap buffer of
  // exactly `want` bytes that is freed, not kept.
  Buffer Get(size_t want);
  size_t buffer_size() const { return buffer_size_; }
  // Buffers kept for reuse now.
  size_t idle() const;
  // Frees the idle buffers that stayed idle since the last Trim (the fewest idle at any moment
  // since then), so that memory taken by a burst goes back within two periods of it.
  void Trim();

 private:
  void Put(char* data);

  const size_t buffer_size_;
  const size_t keep_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<char[]>> idle_;  // guarded by mu_
  size_t fewest_idle_ = 0;                     // guarded by mu_; since the last Trim
};

}  // namespace cangku::http
