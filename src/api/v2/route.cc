#include "api/v2/route.h"

#include <vector>

namespace cangku::api::v2 {
namespace {

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = s.find('/', start);
    parts.push_back(s.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

// Joins parts[from, to) with '/'.
std::string Join(const std::vector<std::string_view>& parts, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    if (i > from) out.push_back('/');
    out.append(parts[i]);
  }
  return out;
}

std::string Join(const std::vector<std::string_view>& parts, size_t count) {
  return Join(parts, 0, count);
}

}  // namespace

Route ParseRoute(std::string_view path) {
  using K = Route::Kind;
  if (path == "/v2" || path == "/v2/") return {K::kBase, "", ""};
  constexpr std::string_view kPrefix = "/v2/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return {};
  std::string_view rest = path.substr(kPrefix.size());
  if (rest == "_catalog") return {K::kCatalog, "", ""};
  std::vector<std::string_view> p = Split(rest);
  size_t n = p.size();
  if (n >= 3 && p[n - 1].empty() && p[n - 2] == "uploads" && p[n - 3] == "blobs") {
    return {K::kUploadStart, Join(p, n - 3), ""};
  }
  if (n >= 3 && p[n - 1] == "uploads" && p[n - 2] == "blobs") {
    return {K::kUploadStart, Join(p, n - 2), ""};
  }
  if (n >= 4 && p[n - 2] == "uploads" && p[n - 3] == "blobs") {
    return {K::kUpload, Join(p, n - 3), std::string(p[n - 1])};
  }
  if (n >= 3 && p[n - 1] == "list" && p[n - 2] == "tags") return {K::kTags, Join(p, n - 2), ""};
  if (n >= 2) {
    std::string_view kind = p[n - 2];
    std::string arg(p[n - 1]);
    if (kind == "manifests") return {K::kManifest, Join(p, n - 2), arg};
    if (kind == "blobs") return {K::kBlob, Join(p, n - 2), arg};
    if (kind == "referrers") return {K::kReferrers, Join(p, n - 2), arg};
  }
  // Anything else below .../blobs/uploads/ names a session that cannot exist.
  for (size_t i = n; i-- > 2;) {
    if (p[i - 1] == "uploads" && p[i - 2] == "blobs") {
      return {K::kUpload, Join(p, i - 2), Join(p, i, n)};
    }
  }
  return {};
}

}  // namespace cangku::api::v2
