#include "distribution_seed.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "synthetic_image.h"

namespace cangku::bench {
namespace {

// mkdir -p, assuming most parents exist already (checks from the leaf up).
bool MakeDirs(const std::string& path, std::string* error) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return true;
  if (errno != ENOENT) {
    *error = "mkdir " + path + ": " + std::strerror(errno);
    return false;
  }
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) {
    *error = "mkdir " + path + ": no parent";
    return false;
  }
  if (!MakeDirs(path.substr(0, slash), error)) return false;
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return true;
  *error = "mkdir " + path + ": " + std::strerror(errno);
  return false;
}

bool WriteFile(const std::string& dir, std::string_view name, std::string_view data,
               std::string* error) {
  if (!MakeDirs(dir, error)) return false;
  const std::string path = dir + "/" + std::string(name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    *error = "write " + path + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd);
  return true;
}

std::string_view Hex(const std::string& digest) {
  return std::string_view(digest).substr(7);  // after "sha256:"
}

bool WriteBlob(const std::string& v2, const Blob& b, std::string* error) {
  const std::string_view hex = Hex(b.digest);
  return WriteFile(v2 + "/blobs/sha256/" + std::string(hex.substr(0, 2)) + "/" + std::string(hex),
                   "data", b.data, error);
}

}  // namespace

bool SeedDistributionStore(const DistributionSeedOptions& o, std::string* error) {
  ImageSpec spec;
  spec.shared = true;
  const Image img = MakeImage(spec, 0);
  const std::string v2 = o.root + "/docker/registry/v2";
  if (!WriteBlob(v2, img.layer, error) || !WriteBlob(v2, img.config, error) ||
      !WriteBlob(v2, img.manifest, error)) {
    return false;
  }
  const std::string m(Hex(img.manifest.digest));
  for (uint64_t i = o.start; i < o.start + o.count; ++i) {
    const std::string repo = v2 + "/repositories/" + RepoName(o.prefix, i);
    const std::string tag = repo + "/_manifests/tags/" + o.tag;
    if (!WriteFile(repo + "/_layers/sha256/" + std::string(Hex(img.layer.digest)), "link",
                   img.layer.digest, error) ||
        !WriteFile(repo + "/_layers/sha256/" + std::string(Hex(img.config.digest)), "link",
                   img.config.digest, error) ||
        !WriteFile(repo + "/_manifests/revisions/sha256/" + m, "link", img.manifest.digest,
                   error) ||
        !WriteFile(tag + "/current", "link", img.manifest.digest, error) ||
        !WriteFile(tag + "/index/sha256/" + m, "link", img.manifest.digest, error)) {
      return false;
    }
  }
  return true;
}

}  // namespace cangku::bench
