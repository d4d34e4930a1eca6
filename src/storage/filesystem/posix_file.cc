#include "storage/filesystem/posix_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <utility>

namespace cangku::storage {
namespace {

constexpr size_t kHashBufferSize = 1 << 20;

std::string Parent(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Reads the file behind `fd` from offset 0, feeding every chunk to `digester`.
Status FeedFile(int fd, oci::Digester& digester, uint64_t* size) {
  auto buf = std::make_unique<char[]>(kHashBufferSize);
  uint64_t offset = 0;
  while (true) {
    ASSIGN_OR_RETURN(size_t n, ReadAt(fd, offset, std::span<char>(buf.get(), kHashBufferSize)));
    if (n == 0) break;
    digester.Update(buf.get(), n);
    offset += n;
  }
  *size = offset;
  return OkStatus();
}

}  // namespace

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

int ScopedFd::Release() { return std::exchange(fd_, -1); }

void ScopedFd::Reset() {
  // close(2) must not be retried on EINTR on Linux: the descriptor is gone either way.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

StatusOr<ScopedFd> OpenFile(const std::string& path, int flags, mode_t mode) {
  while (true) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd >= 0) return ScopedFd(fd);
    if (errno != EINTR) return ErrnoStatus(errno, "open " + path);
  }
}

Status WriteAll(int fd, std::span<const char> data, size_t* written) {
  *written = 0;
  while (*written < data.size()) {
    ssize_t n = ::write(fd, data.data() + *written, data.size() - *written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write");
    }
    if (n == 0) return InternalError("write: no progress");
    *written += static_cast<size_t>(n);
  }
  return OkStatus();
}

StatusOr<size_t> ReadAt(int fd, uint64_t offset, std::span<char> buf) {
  while (true) {
    ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) {
      if (errno == EIO) return DataLossError("pread: I/O error");
      return ErrnoStatus(errno, "pread");
    }
  }
}

StatusOr<oci::Digest> HashFile(int fd, oci::DigestAlgorithm algorithm, uint64_t* size) {
  oci::Digester digester(algorithm);
  RETURN_IF_ERROR(FeedFile(fd, digester, size));
  return digester.Current();
}

StatusOr<oci::Digester> HashFileIncremental(int fd, uint64_t* size) {
  oci::Digester digester(oci::DigestAlgorithm::kSha256);
  RETURN_IF_ERROR(FeedFile(fd, digester, size));
  return digester;
}

Status SyncDir(const std::string& path) {
  ASSIGN_OR_RETURN(ScopedFd dir, OpenFile(path, O_RDONLY | O_DIRECTORY));
  if (::fsync(dir.get()) != 0) return ErrnoStatus(errno, "fsync " + path);
  return OkStatus();
}

Status MakeDirs(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0) return SyncDir(Parent(path));
  if (errno == EEXIST) return OkStatus();
  if (errno != ENOENT) return ErrnoStatus(errno, "mkdir " + path);
  std::string parent = Parent(path);
  if (parent == path) return ErrnoStatus(ENOENT, "mkdir " + path);
  RETURN_IF_ERROR(MakeDirs(parent));
  if (::mkdir(path.c_str(), 0755) == 0) return SyncDir(parent);
  if (errno == EEXIST) return OkStatus();  // created concurrently
  return ErrnoStatus(errno, "mkdir " + path);
}

Status DurableRename(int fd, const std::string& from, const std::string& to_dir,
                     const std::string& to) {
  if (::fdatasync(fd) != 0) return ErrnoStatus(errno, "fdatasync " + from);
  RETURN_IF_ERROR(MakeDirs(to_dir));
  if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus(errno, "rename " + from);
  return SyncDir(to_dir);
}

StatusOr<std::vector<std::string>> ListDir(const std::string& path) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), &::closedir);
  if (!dir) return ErrnoStatus(errno, "opendir " + path);
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    struct dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) break;
    std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  if (errno != 0) return ErrnoStatus(errno, "readdir " + path);
  return names;
}

std::chrono::system_clock::time_point ModifiedTime(const struct stat& st) {
  auto since_epoch =
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch));
}

bool TouchExisting(const std::string& path) {
  return ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0;
}

}  // namespace cangku::storage
