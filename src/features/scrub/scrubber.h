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

namespace cangku::scrub {

struct ScrubOptions {
  // Fix what can be fixed without losing anything that is still usable (see Scrubber).
  bool repair = false;
  // Re-hash every stored blob (reads all of them); when false, only metadata and presence.
  bool verify_content = true;
  // Orphan blobs (stored, linked nowhere) younger than this are uploads in progress, not news.
  std::chrono::seconds orphan_age{std::chrono::hours(1)};
};

enum class ProblemKind {
  kCorruptBlob,     // the stored content does not hash to its digest
  kMissingBlob,     // a repository links a blob that is not stored
  kSizeMismatch,    // the link says one size, the stored blob has another
  kBrokenManifest,  // a manifest references a blob its repository does not have (usable)
  kMissingChild,    // an index lists a manifest its repository does not have
  kOrphanBlob,      // stored, linked nowhere, older than orphan_age (a note: GC's business)
};

std::string_view ProblemName(ProblemKind kind);

struct ScrubProblem {
  ProblemKind kind;
  std::string repository;  // empty for problems of the blob store alone
  oci::Digest digest;      // the blob or manifest concerned
  std::string detail;      // one line for a human
  bool repaired = false;
};

struct ScrubReport {
  size_t blobs_checked = 0;
  uint64_t bytes_hashed = 0;
  size_t links_checked = 0;
  size_t manifests_checked = 0;
  std::vector<ScrubProblem> problems;  // orphans included, as notes
  // Problems (not notes) that remain after the run.
  size_t Unrepaired() const;
};

// Checks the blob store against its own digests and the metadata against the blob store, and
// reports each problem. With `repair` it deletes corrupt blob files (content that can never be
// served correctly, and which would make a re-push of the right content a no-op) and the links
// to missing (or just deleted corrupt) blobs that no manifest references. Everything else is
// only reported: a manifest whose blob is missing stays, so that re-pushing the blob heals it.
// Safe to run while the registry serves: what a concurrent push changes between the walk and a
// check is looked at again before it is reported or repaired.
class Scrubber {
 public:
  Scrubber(storage::BlobStore& blobs, metadata::LifecycleStore& metadata, const Clock& clock)
      : blobs_(blobs), metadata_(metadata), clock_(clock) {}

  // Errors: whatever the stores return (not the problems found: those are in the report).
  StatusOr<ScrubReport> Run(const ScrubOptions& options);

 private:
  // Whether the stored content of `digest` hashes to it; counts what it read.
  StatusOr<bool> Verify(const oci::Digest& digest, ScrubReport* report);

  storage::BlobStore& blobs_;
  metadata::LifecycleStore& metadata_;
  const Clock& clock_;
};

// A human-readable report: one line per problem, then a summary.
std::string FormatReport(const ScrubReport& report);

}  // namespace cangku::scrub
