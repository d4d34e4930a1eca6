// Fuzzes ParseManifest. The first input byte picks the Content-Type; the rest is the body.
// Nothing may crash or throw, errors are always kInvalidArgument, and an accepted manifest
// is internally consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "oci/manifest.h"
#include "oci/media_types.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

constexpr std::string_view kContentTypes[] = {
    "",
    cangku::oci::kOciImageManifest,
    cangku::oci::kOciImageIndex,
    cangku::oci::kDockerManifest,
    cangku::oci::kDockerManifestList,
    "application/vnd.oci.image.manifest.v1+json; charset=utf-8",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
    "application/json",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cangku::oci;
  if (size == 0) return 0;
  std::string_view content_type =
      kContentTypes[data[0] % (sizeof(kContentTypes) / sizeof(kContentTypes[0]))];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  cangku::StatusOr<ParsedManifest> m = ParseManifest(body, content_type);
  if (!m.ok()) {
    Require(m.status().code() == cangku::StatusCode::kInvalidArgument);
    Require(!m.status().message().empty());
    return 0;
  }
  Require(IsManifestMediaType(m->media_type));
  if (m->kind == ManifestKind::kImage) {
    Require(m->config.has_value() && m->manifests.empty());
    Require(m->BlobDigests().size() == m->layers.size() + 1);
    Require(!m->artifact_type.empty());
  } else {
    Require(!m->config.has_value() && m->layers.empty());
    Require(m->BlobDigests().empty());
  }
  for (const Descriptor& d : m->layers) Require(d.size >= 0 && !d.media_type.empty());
  for (const Descriptor& d : m->manifests) Require(d.size >= 0 && !d.media_type.empty());
  if (m->subject.has_value()) Require(m->subject->size >= 0);
  return 0;
}
