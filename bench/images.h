#pragma once

// Pushes many small synthetic images (synthetic_image.h), one per repository, the way a client
// does: for each blob HEAD (optional), POST an upload (or a cross-repository mount), PUT the
// bytes with ?digest=; then PUT the manifest by tag. Used to seed registries and for the push
// storm. With spec.shared_layer and mount_from, the layer is mounted and only the config is
// uploaded: the cheapest way to seed distinct manifests.

#include <cstdint>
#include <string>

#include "http_conn.h"
#include "synthetic_image.h"

namespace cangku::bench {

struct ImagePushOptions {
  Endpoint endpoint;
  ImageSpec spec;
  uint64_t start = 0;
  uint64_t count = 1;
  int concurrency = 16;    // client threads, one connection each
  std::string mount_from;  // try to mount blobs from this repository first
  bool head_check = true;  // HEAD each blob before uploading it
  std::string tag = "latest";
  double max_seconds = 0;  // start no new image after this (0: no limit)
  std::string out;         // if set, write "repository tag manifest-digest" lines here
};

struct ImagePushResult {
  uint64_t images = 0;  // pushed completely
  uint64_t errors = 0;  // images that failed at some step
  uint64_t requests = 0;
  uint64_t bytes = 0;  // blob and manifest bytes sent
  double seconds = 0;
  double images_s = 0;
  bool deadline_hit = false;
  std::string error;  // the first error
};

[[nodiscard]] bool PushImages(const ImagePushOptions& options, ImagePushResult* result);

}  // namespace cangku::bench
