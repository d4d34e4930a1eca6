#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "oci/digest.h"

namespace cangku::metadata {

// A manifest as stored: the exact bytes pushed plus what the registry derived from them.
struct ManifestRecord {
  std::string repository;
  oci::Digest digest;
  std::string media_type;
  std::string artifact_type;            // "" when none
  std::optional<oci::Digest> subject;   // OCI 1.1 subject, if any
  std::string annotations_json = "{}";  // the manifest's top-level annotations, as JSON
  std::string content;                  // the bytes as pushed
  int64_t size = 0;                     // content's length (set even when content is not)
  int64_t created_at = 0;               // Unix seconds
};

// Everything one manifest push writes, applied in one transaction.
struct ManifestWrite {
  ManifestRecord manifest;
  std::vector<oci::Digest> blobs;     // config + layers; must be linked to the repository
  std::vector<oci::Digest> children;  // index entries; must be manifests of the repository
  std::optional<std::string> tag;     // tag to point at the manifest, if pushed by tag
  // Refuse (kPermissionDenied, nothing written) when the tag exists and points at another
  // manifest. Checked in the transaction that writes, so concurrent pushes cannot race past it.
  bool tag_immutable = false;
};

// Decides whether a tag name is protected (see DeleteManifest); null protects nothing.
using TagPredicate = std::function<bool(std::string_view tag)>;

struct UploadRecord {
  std::string id;
  std::string repository;
  int64_t created_at = 0;  // Unix seconds
};

// Page of names in lexical order; `last` is exclusive; `limit` > 0.
struct PageRequest {
  std::string last;
  int limit = 100;
};

// The registry's metadata: repositories, blob links, manifests, tags, referrers and upload
// sessions. One SQL implementation serves SQLite and PostgreSQL. Every method is thread-safe and
// blocking (never call it on an I/O thread). Repository names and tags are assumed valid
// (checked by the caller).
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Repositories that hold at least one blob link, manifest or tag, in lexical order.
  virtual StatusOr<std::vector<std::string>> ListRepositories(const PageRequest& page) = 0;

  // Makes `digest` (of `size` bytes) visible in `repository`, creating the repository if needed.
  // `now` (Unix seconds) is recorded as the link's time, which garbage collection's grace period
  // counts from; linking again refreshes it. Idempotent.
  virtual Status LinkBlob(std::string_view repository, const oci::Digest& digest, int64_t size,
                          int64_t now) = 0;
  // The size of a blob linked to `repository`. Errors: kNotFound.
  virtual StatusOr<int64_t> GetBlobLink(std::string_view repository, const oci::Digest& digest) = 0;
  // The size of a blob linked to any repository. Errors: kNotFound.
  virtual StatusOr<int64_t> FindBlob(const oci::Digest& digest) = 0;
  // Removes the link. Errors: kNotFound.
  virtual Status UnlinkBlob(std::string_view repository, const oci::Digest& digest) = 0;

  // Stores a manifest (idempotent for the same digest) and moves the tag, if any, to it.
  // Errors: kNotFound naming the first blob or child that is not in the repository (nothing is
  // written then).
  virtual Status PutManifest(const ManifestWrite& write) = 0;
  // Errors: kNotFound (unknown repository or manifest).
  virtual StatusOr<ManifestRecord> GetManifest(std::string_view repository,
                                               const oci::Digest& digest) = 0;
  // Errors: kNotFound (unknown repository or tag).
  virtual StatusOr<ManifestRecord> GetTaggedManifest(std::string_view repository,
                                                     std::string_view tag) = 0;
  // Deletes a manifest and every tag pointing at it. Errors: kNotFound; kPermissionDenied
  // ("tag NAME is immutable") when `is_protected` holds for a tag pointing at the manifest,
  // checked in the deleting transaction (nothing is deleted then).
  virtual Status DeleteManifest(std::string_view repository, const oci::Digest& digest,
                                const TagPredicate& is_protected) = 0;
  Status DeleteManifest(std::string_view repository, const oci::Digest& digest) {
    return DeleteManifest(repository, digest, nullptr);
  }
  // Deletes one tag; the manifest stays. Errors: kNotFound.
  virtual Status DeleteTag(std::string_view repository, std::string_view tag) = 0;
  // Tags in lexical order. Errors: kNotFound when the repository does not exist.
  virtual StatusOr<std::vector<std::string>> ListTags(std::string_view repository,
                                                      const PageRequest& page) = 0;
  // Manifests of `repository` whose subject is `subject`, ordered by digest; only those with
  // `artifact_type` when it is non-empty. `content` is left empty. Unknown repository or
  // subject: an empty list.
  virtual StatusOr<std::vector<ManifestRecord>> ListReferrers(std::string_view repository,
                                                              const oci::Digest& subject,
                                                              std::string_view artifact_type) = 0;

  // Upload sessions. Errors: CreateUpload kAlreadyExists; GetUpload/DeleteUpload kNotFound.
  virtual Status CreateUpload(const UploadRecord& upload) = 0;
  virtual StatusOr<UploadRecord> GetUpload(std::string_view id) = 0;
  virtual Status DeleteUpload(std::string_view id) = 0;
  // Sessions created before `before` (Unix seconds), for expiry.
  virtual StatusOr<std::vector<UploadRecord>> ListUploadsBefore(int64_t before) = 0;
};

}  // namespace cangku::metadata
