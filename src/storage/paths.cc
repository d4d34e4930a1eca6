#include "storage/paths.h"

#include <utility>

namespace cangku::storage {
namespace {

constexpr std::string_view kBlobs = "blobs";
constexpr std::string_view kUploads = "uploads";
constexpr std::string_view kTmp = "tmp";
constexpr std::string_view kTmpSuffix = ".tmp";
constexpr size_t kPrefixLength = 2;

std::string Join(std::string_view a, std::string_view b) {
  std::string out(a);
  if (out.empty() || out.back() != '/') out.push_back('/');
  out.append(b);
  return out;
}

}  // namespace

PathMapper::PathMapper(std::string root) : root_(std::move(root)) {}

std::string PathMapper::BlobsDir() const { return Join(root_, kBlobs); }
std::string PathMapper::UploadsDir() const { return Join(root_, kUploads); }
std::string PathMapper::TmpDir() const { return Join(root_, kTmp); }

std::string PathMapper::BlobDir(const oci::Digest& digest) const {
  return Join(Join(BlobsDir(), digest.algorithm_name()), digest.hex().substr(0, kPrefixLength));
}

std::string PathMapper::BlobPath(const oci::Digest& digest) const {
  return Join(BlobDir(digest), digest.hex());
}

std::string PathMapper::UploadPath(std::string_view id) const { return Join(UploadsDir(), id); }

std::string PathMapper::TmpPath(std::string_view name) const {
  std::string file(name);
  file.append(kTmpSuffix);
  return Join(TmpDir(), file);
}

std::optional<oci::Digest> PathMapper::DigestFromBlobPath(std::string_view alg,
                                                          std::string_view prefix,
                                                          std::string_view name) {
  if (prefix.size() != kPrefixLength || name.substr(0, kPrefixLength) != prefix) {
    return std::nullopt;
  }
  std::string text(alg);
  text.push_back(':');
  text.append(name);
  auto digest = oci::Digest::Parse(text);
  if (!digest.ok()) return std::nullopt;
  return *std::move(digest);
}

bool PathMapper::IsTmpName(std::string_view name) {
  return name.size() > kTmpSuffix.size() && name.ends_with(kTmpSuffix);
}

bool IsValidUploadId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace cangku::storage
