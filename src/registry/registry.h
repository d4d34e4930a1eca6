#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "metadata/metadata_store.h"
#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/reference.h"
#include "registry/manifest_cache.h"
#include "registry/pull_recorder.h"
#include "registry/push_policy.h"
#include "registry/upload_sessions.h"
#include "storage/blob_store.h"

namespace cangku::registry {

struct RegistryOptions {
  size_t max_manifest_bytes = oci::kDefaultMaxManifestBytes;
  int max_page_size = 1000;
  size_t manifest_cache_entries = 100000;
  std::chrono::seconds upload_expiry{std::chrono::hours(24)};
  PushPolicy* push_policy = nullptr;      // not owned; null: every tag is mutable
  PullRecorder* pull_recorder = nullptr;  // not owned; null: pulls are not recorded
};

struct PutManifestResult {
  oci::Digest digest;
  std::optional<oci::Digest> subject;
};

struct Page {
  std::vector<std::string> items;
  bool more = false;  // another page follows
};

// A blob as a repository serves it.
struct BlobContent {
  uint64_t size = 0;
  std::unique_ptr<storage::BlobReader> reader;  // null when `inline_content` holds the bytes
  std::string inline_content;                   // a manifest fetched through the blobs API
};

// OCI registry behaviour over the blob and metadata stores: what distribution calls
// registry/storage. Names, tags and digests passed in are already valid. Every method is
// thread-safe and may block (call it from the worker pool), except CachedManifest.
class Registry {
 public:
  Registry(storage::BlobStore& blobs, metadata::MetadataStore& metadata, const Clock& clock,
           Random& random, RegistryOptions options);

  const RegistryOptions& options() const { return options_; }
  UploadSessions& uploads() { return uploads_; }

  // Blobs. Errors: kNotFound when the repository does not hold the blob.
  StatusOr<uint64_t> StatBlob(const std::string& repository, const oci::Digest& digest);
  StatusOr<BlobContent> OpenBlob(const std::string& repository, const oci::Digest& digest);
  Status DeleteBlob(const std::string& repository, const oci::Digest& digest);
  // Links a committed upload's blob into the repository.
  Status FinishUpload(UploadLease lease, const oci::Digest& digest);
  // Cross-repository mount. `from` empty: any repository's copy will do. Returns false when
  // the blob is not available to mount (the caller then opens an upload session).
  StatusOr<bool> Mount(const std::string& repository, const oci::Digest& digest,
                       const std::string& from);

  // Manifests. PutManifest errors: kInvalidArgument (not a valid manifest, or the media type
  // contradicts the Content-Type), kFailedPrecondition (the body does not match the digest
  // reference), kNotFound (a referenced blob or child manifest is not in the repository),
  // kResourceExhausted (the project is over its quota under options().push_policy),
  // kPermissionDenied (the tag is immutable under options().push_policy and points at another
  // manifest: "tag v1 is immutable in project library"; nothing is written). The immutability
  // check runs inside the metadata transaction, so concurrent pushes cannot both move the tag.
  StatusOr<PutManifestResult> PutManifest(const std::string& repository,
                                          const oci::Reference& reference,
                                          std::string_view content_type, std::string content);
  // A manifest from memory, or null (then call GetManifest). Never blocks.
  registry::CachedManifest CachedManifest(const std::string& repository,
                                          const oci::Reference& reference) const;
  // Errors: kNotFound.
  StatusOr<registry::CachedManifest> GetManifest(const std::string& repository,
                                                 const oci::Reference& reference);
  // Notes a GET (not HEAD) of `manifest` (from CachedManifest or GetManifest) for
  // options().pull_recorder, if any. Never blocks on I/O.
  void NotePull(const registry::CachedManifest& manifest);
  // By digest: the manifest and its tags; by tag: only the tag. Errors: kNotFound,
  // kPermissionDenied (the tag, or a tag on the manifest, is immutable; nothing is deleted).
  Status DeleteManifest(const std::string& repository, const oci::Reference& reference);

  // Listing. `limit` is clamped to options().max_page_size. ListTags errors: kNotFound.
  StatusOr<Page> ListTags(const std::string& repository, const std::string& last, int limit);
  StatusOr<Page> ListRepositories(const std::string& last, int limit);
  // The referrers of `subject` as an OCI image index (JSON). Unknown subject: empty index.
  StatusOr<std::string> Referrers(const std::string& repository, const oci::Digest& subject,
                                  const std::string& artifact_type);

  // Removes expired upload sessions and orphaned upload data.
  StatusOr<size_t> ExpireUploads(bool at_startup);

  // Drops the cached manifests of `repository` (after garbage collection or retention removed
  // some of them behind the registry's back).
  void ForgetCachedManifests(std::string_view repository) {
    cache_.InvalidateRepository(repository);
  }

 private:
  // Every blob the manifest names must be in the repository with the size it says.
  // Errors: kNotFound, kInvalidArgument.
  Status CheckBlobSizes(const std::string& repository, const oci::ParsedManifest& manifest);
  // The immutable tags of the repository's project (none without a policy).
  StatusOr<ImmutableTags> ImmutableTagsOf(const std::string& repository);

  storage::BlobStore& blobs_;
  metadata::MetadataStore& metadata_;
  const Clock& clock_;
  const RegistryOptions options_;
  UploadSessions uploads_;
  ManifestCache cache_;
};

}  // namespace cangku::registry
