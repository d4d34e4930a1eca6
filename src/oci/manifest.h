#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "oci/digest.h"

namespace cangku::oci {

inline constexpr size_t kDefaultMaxManifestBytes = 4 * 1024 * 1024;

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::string artifact_type;  // empty when absent
  std::map<std::string, std::string> annotations;
};

enum class ManifestKind { kImage, kIndex };

// What the registry needs to know of a pushed manifest. The bytes themselves are kept as
// pushed; this is derived from them.
struct ParsedManifest {
  ManifestKind kind = ManifestKind::kImage;
  // The media type the manifest is stored and served with: its "mediaType" field, or the
  // request's Content-Type when the field is absent.
  std::string media_type;
  std::optional<Descriptor> config;   // image manifests only
  std::vector<Descriptor> layers;     // image manifests: blobs (layers)
  std::vector<Descriptor> manifests;  // indexes: child manifests
  std::optional<Descriptor> subject;  // OCI 1.1 "subject"
  // For the referrers API: "artifactType", else (image manifests) config.mediaType.
  std::string artifact_type;
  std::map<std::string, std::string> annotations;

  // Every blob the manifest references (config + layers), in document order.
  std::vector<Digest> BlobDigests() const;
};

// Parses and validates a manifest or index pushed with `content_type` (may be empty).
// Supported: OCI image manifest and index, Docker schema 2 manifest and manifest list, OCI
// artifacts (artifactType, empty config). Errors, all kInvalidArgument with a message naming
// the problem: not JSON / not an object; schemaVersion != 2; a "mediaType" field that
// contradicts `content_type`; neither field nor header giving a supported type (a Docker
// schema 1 manifest included); a descriptor without a valid digest, mediaType or
// non-negative size; a "manifests" list in an image manifest or "layers" in an index.
StatusOr<ParsedManifest> ParseManifest(std::string_view bytes, std::string_view content_type);

// True if `media_type` is a manifest type this registry stores.
bool IsManifestMediaType(std::string_view media_type);

}  // namespace cangku::oci
