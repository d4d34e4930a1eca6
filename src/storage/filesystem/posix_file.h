#pragma once

// Thin POSIX helpers for the filesystem driver: an owning descriptor and the loops around
// read/write/fsync that every caller would otherwise repeat. Errors come from ErrnoStatus.

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "oci/digest.h"

namespace cangku::storage {

// Owns one file descriptor; closes it on destruction. Movable, not copyable.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() { Reset(); }
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.Release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();
  void Reset();

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC added, retrying on EINTR.
StatusOr<ScopedFd> OpenFile(const std::string& path, int flags, mode_t mode = 0644);

// Writes `data` with write(2), looping on partial writes and EINTR. `written` receives the
// number of bytes that reached the file even when an error is returned.
Status WriteAll(int fd, std::span<const char> data, size_t* written);

// pread(2) retrying on EINTR; returns 0 only at end of file.
StatusOr<size_t> ReadAt(int fd, uint64_t offset, std::span<char> buf);

// Hashes the whole file behind `fd` from offset 0 in 1 MiB reads. `size` receives its length.
StatusOr<oci::Digest> HashFile(int fd, oci::DigestAlgorithm algorithm, uint64_t* size);

// Like HashFile but returns the live Digester, so appending may continue.
StatusOr<oci::Digester> HashFileIncremental(int fd, uint64_t* size);

// fsync(2) of the directory `path`, so entries created or renamed in it survive a crash.
Status SyncDir(const std::string& path);

// mkdir -p; every directory it creates is made durable in its parent.
Status MakeDirs(const std::string& path);

// Makes `fd` (the file at `from`) durable and renames it to `to` in directory `to_dir`
// (created if needed), then makes the rename durable.
Status DurableRename(int fd, const std::string& from, const std::string& to_dir,
                     const std::string& to);

// The names in directory `path`, without "." and "..".
StatusOr<std::vector<std::string>> ListDir(const std::string& path);

std::chrono::system_clock::time_point ModifiedTime(const struct stat& st);

// If the file at `path` exists, sets its modification time to now and returns true. A blob
// stored again is "new" again: garbage collection spares blobs modified within its grace period,
// so the push that found the blob already there has that long to link it. False when the file
// does not exist (or cannot be touched), in which case the caller stores it afresh.
bool TouchExisting(const std::string& path);

}  // namespace cangku::storage
