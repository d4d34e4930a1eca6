#pragma once

#include <string>
#include <string_view>

namespace cangku::api::v2 {

// Where a /v2/ request path points. Nothing is validated here but the shape of the path.
struct Route {
  enum class Kind {
    kBase,         // /v2/
    kCatalog,      // /v2/_catalog
    kTags,         // /v2/<name>/tags/list
    kManifest,     // /v2/<name>/manifests/<reference>
    kBlob,         // /v2/<name>/blobs/<digest>
    kUploadStart,  // /v2/<name>/blobs/uploads/
    kUpload,       // /v2/<name>/blobs/uploads/<session>
    kReferrers,    // /v2/<name>/referrers/<digest>
    kUnknown,
  };
  Kind kind = Kind::kUnknown;
  std::string name;  // the repository, raw
  std::string arg;   // reference, digest or session id, raw
};

// Splits a raw request path. Repository names may contain the words "blobs", "manifests"...,
// so the path is matched from its end.
Route ParseRoute(std::string_view path);

}  // namespace cangku::api::v2
