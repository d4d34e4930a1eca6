#include "storage/filesystem/filesystem_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "storage/filesystem/filesystem_upload.h"
#include "storage/filesystem/posix_file.h"

namespace cangku::storage {
namespace {

constexpr size_t kTmpNameBytes = 16;

class FilesystemBlobReader final : public BlobReader {
 public:
  FilesystemBlobReader(ScopedFd fd, uint64_t size) : fd_(std::move(fd)), size_(size) {}
  uint64_t size() const override { return size_; }
  StatusOr<size_t> ReadAt(uint64_t offset, std::span<char> buf) override {
    return storage::ReadAt(fd_.get(), offset, buf);
  }
  int NativeHandle() const override { return fd_.get(); }

 private:
  ScopedFd fd_;
  const uint64_t size_;
};

Status CheckUploadId(std::string_view id) {
  if (!IsValidUploadId(id)) return InvalidArgumentError("invalid upload id");
  return OkStatus();
}

oci::Digest DigestOf(oci::DigestAlgorithm algorithm, std::string_view content) {
  oci::Digester digester(algorithm);
  digester.Update(content);
  return digester.Current();
}

}  // namespace

StatusOr<std::unique_ptr<FilesystemBlobStore>> FilesystemBlobStore::Create(
    std::string root, bool remove_temporaries) {
  std::unique_ptr<FilesystemBlobStore> store(new FilesystemBlobStore(std::move(root)));
  RETURN_IF_ERROR(MakeDirs(store->paths_.BlobsDir()));
  RETURN_IF_ERROR(MakeDirs(store->paths_.UploadsDir()));
  RETURN_IF_ERROR(MakeDirs(store->paths_.TmpDir()));
  if (remove_temporaries) {
    RETURN_IF_ERROR(store->RemoveStaleTemporaries());
  }
  return store;
}

Status FilesystemBlobStore::RemoveStaleTemporaries() {
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(paths_.TmpDir()));
  for (const std::string& name : names) {
    if (!PathMapper::IsTmpName(name)) continue;
    std::string path = paths_.TmpDir() + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus(errno, "unlink " + path);
    }
  }
  return OkStatus();
}

StatusOr<BlobInfo> FilesystemBlobStore::Stat(const oci::Digest& digest) {
  std::string path = paths_.BlobPath(digest);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "stat " + digest.str());
  return BlobInfo{static_cast<uint64_t>(st.st_size), ModifiedTime(st)};
}

StatusOr<std::unique_ptr<BlobReader>> FilesystemBlobStore::Open(const oci::Digest& digest) {
  ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(paths_.BlobPath(digest), O_RDONLY));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "fstat " + digest.str());
  return std::unique_ptr<BlobReader>(
      new FilesystemBlobReader(std::move(fd), static_cast<uint64_t>(st.st_size)));
}

Status FilesystemBlobStore::Put(const oci::Digest& digest, std::string_view content) {
  if (DigestOf(digest.algorithm(), content) != digest) {
    return InvalidArgumentError("content does not match " + digest.str());
  }
  std::string target = paths_.BlobPath(digest);
  if (TouchExisting(target)) return OkStatus();

  std::string tmp = paths_.TmpPath(random_.Hex(kTmpNameBytes));
  ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(tmp, O_WRONLY | O_CREAT | O_EXCL));
  size_t written = 0;
  Status status = WriteAll(fd.get(), content, &written);
  if (status.ok()) status = DurableRename(fd.get(), tmp, paths_.BlobDir(digest), target);
  if (!status.ok()) ::unlink(tmp.c_str());
  return status;
}

Status FilesystemBlobStore::Delete(const oci::Digest& digest) {
  std::string path = paths_.BlobPath(digest);
  if (::unlink(path.c_str()) != 0) return ErrnoStatus(errno, "delete " + digest.str());
  return OkStatus();
}

Status FilesystemBlobStore::Walk(
    const std::function<Status(const oci::Digest&, const BlobInfo&)>& fn) {
  ASSIGN_OR_RETURN(std::vector<std::string> algs, ListDir(paths_.BlobsDir()));
  for (const std::string& alg : algs) {
    auto prefixes = ListDir(paths_.BlobsDir() + "/" + alg);
    if (!prefixes.ok()) continue;  // a stray file, or removed meanwhile
    for (const std::string& prefix : *prefixes) {
      RETURN_IF_ERROR(WalkPrefix(alg, prefix, fn));
    }
  }
  return OkStatus();
}

Status FilesystemBlobStore::WalkPrefix(
    const std::string& alg, const std::string& prefix,
    const std::function<Status(const oci::Digest&, const BlobInfo&)>& fn) {
  auto names = ListDir(paths_.BlobsDir() + "/" + alg + "/" + prefix);
  if (!names.ok()) return OkStatus();  // a stray file, or removed meanwhile
  for (const std::string& name : *names) {
    std::optional<oci::Digest> digest = PathMapper::DigestFromBlobPath(alg, prefix, name);
    if (!digest) continue;
    auto info = Stat(*digest);
    if (!info.ok()) continue;  // deleted meanwhile
    RETURN_IF_ERROR(fn(*digest, *info));
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<Upload>> FilesystemBlobStore::CreateUpload(std::string_view id) {
  RETURN_IF_ERROR(CheckUploadId(id));
  ASSIGN_OR_RETURN(ScopedFd fd,
                   OpenFile(paths_.UploadPath(id), O_RDWR | O_APPEND | O_CREAT | O_EXCL));
  return std::unique_ptr<Upload>(new FilesystemUpload(paths_, std::string(id), std::move(fd),
                                                      oci::Digester(oci::DigestAlgorithm::kSha256),
                                                      0, syncer_));
}

StatusOr<std::unique_ptr<Upload>> FilesystemBlobStore::ResumeUpload(std::string_view id) {
  RETURN_IF_ERROR(CheckUploadId(id));
  ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(paths_.UploadPath(id), O_RDWR | O_APPEND));
  uint64_t size = 0;
  ASSIGN_OR_RETURN(oci::Digester digester, HashFileIncremental(fd.get(), &size));
  return std::unique_ptr<Upload>(new FilesystemUpload(paths_, std::string(id), std::move(fd),
                                                      std::move(digester), size, syncer_));
}

Status FilesystemBlobStore::DeleteUpload(std::string_view id) {
  RETURN_IF_ERROR(CheckUploadId(id));
  std::string path = paths_.UploadPath(id);
  if (::unlink(path.c_str()) != 0) return ErrnoStatus(errno, "delete upload " + std::string(id));
  return OkStatus();
}

StatusOr<std::vector<UploadEntry>> FilesystemBlobStore::ListUploads() {
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(paths_.UploadsDir()));
  std::vector<UploadEntry> uploads;
  for (std::string& name : names) {
    if (!IsValidUploadId(name)) continue;
    struct stat st;
    if (::stat(paths_.UploadPath(name).c_str(), &st) != 0) continue;  // finished meanwhile
    uploads.push_back(
        UploadEntry{std::move(name), static_cast<uint64_t>(st.st_size), ModifiedTime(st)});
  }
  return uploads;
}

}  // namespace cangku::storage
