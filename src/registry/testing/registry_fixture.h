#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "metadata/sql_metadata_store.h"
#include "oci/digest.h"
#include "registry/registry.h"
#include "storage/filesystem/filesystem_blob_store.h"

namespace cangku::registry {

// A clock that stands still until a test moves it.
class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override { return now; }
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// A registry on real drivers in a fresh temp dir (FilesystemBlobStore + SQLite file), removed
// afterwards, for the tests of the registry and of the features built on it.
class RegistryFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Replaces the registry over the same stores (a restart), with `options`.
  void NewRegistry(RegistryOptions options = {});
  // Pushes `content` as a blob of `repo` in one request; returns its digest.
  oci::Digest PushBlob(const std::string& repo, const std::string& content);
  // Pushes a config and a layer made from `seed` and an image manifest over them (`extra`
  // appended to its JSON, e.g. a subject) under the tag `ref`, or by digest when `ref` is empty.
  // Returns the manifest's digest.
  oci::Digest PushImage(const std::string& repo, const std::string& ref, const std::string& seed,
                        const std::string& extra = "");
  // The path of a committed blob's file.
  std::string BlobPath(const oci::Digest& digest) const;
  static oci::Reference Ref(const std::string& text) { return *oci::Reference::Parse(text); }

  std::string dir_;
  FixedClock clock_;
  SystemRandom random_;
  std::unique_ptr<storage::FilesystemBlobStore> blobs_;
  std::unique_ptr<metadata::SqlMetadataStore> metadata_;
  std::unique_ptr<Registry> registry_;
};

}  // namespace cangku::registry
