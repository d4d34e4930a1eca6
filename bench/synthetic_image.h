#pragma once

// Deterministic synthetic images for seeding and the push storm. Image i lives in repository
// prefix + six-digit i and has one uncompressed tar layer (one file of `layer_bytes`
// pseudo-random bytes) and a config naming its repository, so every image is distinct unless
// the spec shares content.

#include <cstdint>
#include <string>
#include <string_view>

namespace cangku::bench {

struct ImageSpec {
  std::string prefix = "seed/r";
  uint64_t layer_bytes = 1024;
  bool shared = false;        // the same content (layer and config) for every index
  bool shared_layer = false;  // the same layer for every index, distinct configs
};

struct Blob {
  std::string digest;  // "sha256:<hex>"
  std::string data;
};

struct Image {
  std::string repo;
  Blob config;
  Blob layer;
  Blob manifest;  // an OCI image manifest
};

std::string Sha256Digest(std::string_view data);

std::string RepoName(const std::string& prefix, uint64_t index);

Image MakeImage(const ImageSpec& spec, uint64_t index);

}  // namespace cangku::bench
