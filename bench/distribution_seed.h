#pragma once

// Writes repositories straight into a CNCF Distribution filesystem store, the layout of its
// registry/storage/paths.go, as a push through its API would leave them: every repository
// holds the same shared synthetic image (synthetic_image.h) tagged `tag`. Seeding 100,000
// repositories through Distribution's API would take most of the benchmark's time budget;
// this takes seconds, and the start-up measure only needs the store to exist.

#include <cstdint>
#include <string>

namespace cangku::bench {

struct DistributionSeedOptions {
  std::string root;  // the storage driver's rootdirectory
  std::string prefix = "big/r";
  uint64_t start = 0;
  uint64_t count = 0;
  std::string tag = "latest";
};

// Returns false and sets *error on the first failed file system call.
[[nodiscard]] bool SeedDistributionStore(const DistributionSeedOptions& options,
                                         std::string* error);

}  // namespace cangku::bench
