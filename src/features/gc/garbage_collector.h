#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "metadata/lifecycle_store.h"
#include "oci/digest.h"
#include "storage/blob_store.h"

namespace cangku::gc {

struct GcOptions {
  // Nothing made (blob stored, link created, manifest pushed) less than this long ago is
  // collected: a client uploads the blobs of an image before the manifest that references them.
  std::chrono::seconds grace{std::chrono::hours(1)};
  // Also delete manifests no tag reaches (see GarbageCollector).
  bool delete_untagged = false;
  // Decide and report, change nothing.
  bool dry_run = false;
};

struct GcReport {
  bool dry_run = false;
  // What was deleted (or, in a dry run, would be): "repository@digest" for manifests and links.
  std::vector<std::string> manifests;
  std::vector<std::string> links;
  std::vector<oci::Digest> blobs;
  uint64_t bytes_freed = 0;
  // What was looked at.
  size_t manifests_seen = 0;
  size_t links_seen = 0;
  size_t blobs_seen = 0;
  // Candidates a concurrent push took back before they could go (not deleted).
  size_t saved_by_race = 0;
  std::chrono::milliseconds mark_time{0};
  std::chrono::milliseconds sweep_time{0};
};

// Online mark-and-sweep over the blob store and the metadata store; pushes and pulls go on
// meanwhile. The model: blobs are global files; repositories hold links to them.
//
//  * A manifest is kept unless `delete_untagged` is set. Then the roots are tagged manifests
//    and manifests pushed within the grace period; an index keeps its children, a manifest
//    keeps its referrers (manifests whose subject it is); the rest is deleted, referrers
//    following their subject.
//  * A link is garbage when no kept manifest of its repository references the blob and it was
//    made before the grace period.
//  * A blob file is garbage when no link anywhere names it and it was last modified before the
//    grace period (a push that finds the blob already stored refreshes its time).
//
// Every metadata delete re-checks its condition in its own transaction, so a push that
// references a candidate again keeps it. Just before a file is deleted its time and the absence
// of any link are checked again. Deletion goes manifests, then links, then files, each step
// consistent on its own, so an interrupted run leaves nothing that a later run cannot finish.
// Thread-compatible: one Run at a time per collector; several collectors (processes) may run
// at once, at worst doing the same work twice.
class GarbageCollector {
 public:
  GarbageCollector(storage::BlobStore& blobs, metadata::LifecycleStore& metadata,
                   const Clock& clock)
      : blobs_(blobs), metadata_(metadata), clock_(clock) {}

  // Errors: whatever the stores return; what was deleted before the error stays deleted.
  StatusOr<GcReport> Run(const GcOptions& options);

 private:
  storage::BlobStore& blobs_;
  metadata::LifecycleStore& metadata_;
  const Clock& clock_;
};

// A human-readable summary of `report`, several lines; `verbose` lists every item.
std::string FormatReport(const GcReport& report, bool verbose);

}  // namespace cangku::gc
