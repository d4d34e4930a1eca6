#include "registry/testing/registry_fixture.h"

#include <stdlib.h>

#include <filesystem>

#include "oci/media_types.h"

namespace cangku::registry {

void RegistryFixture::SetUp() {
  char tmpl[] = "/tmp/cangku-test-XXXXXX";
  dir_ = mkdtemp(tmpl);
  auto blobs = storage::FilesystemBlobStore::Create(dir_);
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  blobs_ = std::move(*blobs);
  auto metadata = metadata::SqlMetadataStore::Create("sqlite://" + dir_ + "/metadata.db", 2);
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  metadata_ = std::move(*metadata);
  NewRegistry();
}

void RegistryFixture::TearDown() { std::filesystem::remove_all(dir_); }

void RegistryFixture::NewRegistry(RegistryOptions options) {
  registry_ = std::make_unique<Registry>(*blobs_, *metadata_, clock_, random_, options);
}

oci::Digest RegistryFixture::PushBlob(const std::string& repo, const std::string& content) {
  oci::Digest digest = oci::Digest::Sha256Of(content);
  auto lease = registry_->uploads().StartEphemeral(repo);
  EXPECT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_TRUE((*lease)->upload->Append(content).ok());
  Status s = registry_->FinishUpload(std::move(*lease), digest);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return digest;
}

oci::Digest RegistryFixture::PushImage(const std::string& repo, const std::string& ref,
                                       const std::string& seed, const std::string& extra) {
  oci::Digest config = PushBlob(repo, "{\"c\":\"" + seed + "\"}");
  oci::Digest layer = PushBlob(repo, "layer-" + seed);
  std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      config.str() + R"(","size":)" + std::to_string(8 + seed.size()) +
      R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
      layer.str() + R"(","size":)" + std::to_string(6 + seed.size()) + "}]" + extra + "}";
  std::string reference = ref.empty() ? oci::Digest::Sha256Of(manifest).str() : ref;
  auto put = registry_->PutManifest(repo, Ref(reference), oci::kOciImageManifest, manifest);
  EXPECT_TRUE(put.ok()) << put.status().ToString();
  return put.ok() ? put->digest : oci::Digest::Sha256Of("");
}

std::string RegistryFixture::BlobPath(const oci::Digest& digest) const {
  std::string hex(digest.hex());
  return dir_ + "/blobs/" + std::string(digest.algorithm_name()) + "/" + hex.substr(0, 2) + "/" +
         hex;
}

}  // namespace cangku::registry
