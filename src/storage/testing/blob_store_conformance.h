#pragma once

// The conformance suite every BlobStore driver must pass. A driver's test registers it with
//
//   INSTANTIATE_TEST_SUITE_P(Filesystem, BlobStoreConformanceTest,
//                            ::testing::Values(BlobStoreFactory(&MakeTempStore)));
//
// The factory must return a new, empty store on every call (one per test); the driver's test
// owns cleanup of whatever backs it. The tests are compiled into the
// cangku_storage_conformance object library, which a driver test links.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "storage/blob_store.h"

namespace cangku::storage {

using BlobStoreFactory = std::function<std::unique_ptr<BlobStore>()>;

class BlobStoreConformanceTest : public ::testing::TestWithParam<BlobStoreFactory> {
 protected:
  void SetUp() override;

  // Puts `content` and returns its SHA-256 digest (asserting success).
  oci::Digest MustPut(std::string_view content);
  // How many blobs Walk visits.
  int CountBlobs();
  // Reads a whole blob through Open/ReadAt in `chunk`-byte reads.
  std::string ReadBlob(const oci::Digest& digest, size_t chunk = 4096);
  // Creates an upload `id`, appends `content` and commits it under its SHA-256.
  Status UploadWhole(std::string_view id, std::string_view content);

  std::unique_ptr<BlobStore> store_;
};

}  // namespace cangku::storage
