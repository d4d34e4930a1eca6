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

// One blob link: `digest` is visible in `repository`.
struct LinkRow {
  std::string repository;
  oci::Digest digest;
  int64_t size = 0;
  int64_t created_at = 0;  // Unix seconds; 0 for links older than the column
};

// A manifest as the lifecycle code sees it: no content, just what decides whether it is kept.
struct ManifestNode {
  std::string repository;
  oci::Digest digest;
  std::optional<oci::Digest> subject;
  int64_t size = 0;
  int64_t created_at = 0;
  bool tagged = false;         // at least one tag points at it
  int64_t last_pulled_at = 0;  // Unix seconds of the last recorded GET; 0: never
};

// One tag, for retention.
struct TagRow {
  std::string repository;
  std::string name;
  oci::Digest digest;
  int64_t updated_at = 0;  // Unix seconds of the push that last set the tag
};

// How precisely pull times are kept: retention counts pulls in days.
inline constexpr int64_t kPullTimeResolutionSeconds = 60;

// A manifest GET, for the last-pull times retention reads. Views of text the caller keeps.
struct PullRow {
  std::string_view repository;
  std::string_view digest;  // "sha256:<hex>"
};

// One row of what a manifest references: a blob (config, layer) or, for an index, a manifest.
struct ManifestRef {
  enum class Kind { kBlob, kManifest };
  std::string repository;
  oci::Digest manifest;
  Kind kind = Kind::kBlob;
  oci::Digest child;
};

// The queries and conditional deletes of the storage lifecycle (garbage collection, scrub),
// kept apart from MetadataStore, which serves the registry's request path. Every method is
// thread-safe and blocking. The ForEach methods stream rows in no particular order and stop at
// the first error `fn` returns (and return it); `fn` must not call back into the store. Rows
// read from the database that do not parse are kDataLoss. Other errors: kInternal.
//
// Each delete re-checks its condition in the same SQL transaction that deletes, so a concurrent
// push that references the row again wins: the row stays and the call reports it was kept.
class LifecycleStore {
 public:
  virtual ~LifecycleStore() = default;

  virtual Status ForEachLink(const std::function<Status(const LinkRow&)>& fn) = 0;
  virtual Status ForEachManifest(const std::function<Status(const ManifestNode&)>& fn) = 0;
  virtual Status ForEachManifestRef(const std::function<Status(const ManifestRef&)>& fn) = 0;

  // Whether any repository links `digest`.
  virtual StatusOr<bool> IsLinked(const oci::Digest& digest) = 0;

  // Deletes each of `links` (repository and digest are used) that was made before `before`
  // (Unix seconds) and that no manifest of its repository references. Returns the ones
  // deleted. Runs in transactions of a few hundred links.
  virtual StatusOr<std::vector<LinkRow>> DeleteUnreferencedLinks(const std::vector<LinkRow>& links,
                                                                 int64_t before) = 0;

  // Deletes the manifest (and its references) if it was pushed before `before`, no tag points
  // at it, no index of its repository lists it, and its subject, if any, is not a manifest of
  // the repository. Returns whether it was deleted (false also when it was already gone).
  virtual StatusOr<bool> DeleteManifestIfUnreachable(const std::string& repository,
                                                     const oci::Digest& digest, int64_t before) = 0;

  // Retention (sql_retention.cc). Streams every tag, as the ForEach methods above.
  virtual Status ForEachTag(const std::function<Status(const TagRow&)>& fn) = 0;
  // Sets the last-pull time of each manifest of `pulls` that exists to `now` (Unix seconds), in
  // one transaction, unless it is already within kPullTimeResolutionSeconds of `now` (a manifest
  // pulled all the time is written once a minute, not at every flush). Unknown repositories and
  // manifests are skipped.
  virtual Status RecordPulls(const std::vector<PullRow>& pulls, int64_t now) = 0;
  // Deletes the tag if it still points at `tag.digest` and was last set at `tag.updated_at`
  // (a concurrent push that moved or re-set it wins). Returns whether it was deleted.
  virtual StatusOr<bool> DeleteTagIfUnchanged(const TagRow& tag) = 0;
};

}  // namespace cangku::metadata
