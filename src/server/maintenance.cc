#include "server/maintenance.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "common/clock.h"
#include "metadata/sql_metadata_store.h"
#include "storage/filesystem/filesystem_blob_store.h"
#ifdef CANGKU_FEATURE_GC
#include "features/gc/garbage_collector.h"
#endif
#ifdef CANGKU_FEATURE_SCRUB
#include "features/scrub/scrubber.h"
#endif

namespace cangku::server {
namespace {

struct Stores {
  std::unique_ptr<storage::FilesystemBlobStore> blobs;
  std::unique_ptr<metadata::SqlMetadataStore> metadata;
};

StatusOr<Stores> OpenStores(const Config& config) {
  std::error_code ec;
  if (!std::filesystem::is_directory(config.data_dir, ec)) {
    return NotFoundError("data directory " + config.data_dir + " does not exist");
  }
  std::string root = std::filesystem::absolute(config.data_dir).lexically_normal().string();
  Stores stores;
  ASSIGN_OR_RETURN(stores.blobs,
                   storage::FilesystemBlobStore::Create(root, /*remove_temporaries=*/false));
  std::string url =
      config.metadata_url.empty() ? "sqlite://" + root + "/metadata.db" : config.metadata_url;
  ASSIGN_OR_RETURN(stores.metadata, metadata::SqlMetadataStore::Create(url, 2));
  return stores;
}

int Fail(std::string_view what, const Status& status) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(what.size()), what.data(),
               status.ToString().c_str());
  return 1;
}

}  // namespace

int RunGcCommand(const Config& config, const GcCommandOptions& options) {
#ifdef CANGKU_FEATURE_GC
  StatusOr<Stores> stores = OpenStores(config);
  if (!stores.ok()) return Fail("gc", stores.status());
  SystemClock clock;
  gc::GarbageCollector collector(*stores->blobs, *stores->metadata, clock);
  StatusOr<gc::GcReport> report = collector.Run({.grace = options.grace,
                                                 .delete_untagged = options.delete_untagged,
                                                 .dry_run = options.dry_run});
  if (!report.ok()) return Fail("gc", report.status());
  std::fputs(gc::FormatReport(*report, options.verbose).c_str(), stdout);
  return 0;
#else
  (void)config;
  (void)options;
  return Fail("gc", UnimplementedError("this build has no garbage collection"));
#endif
}

int RunScrubCommand(const Config& config, const ScrubCommandOptions& options) {
#ifdef CANGKU_FEATURE_SCRUB
  StatusOr<Stores> stores = OpenStores(config);
  if (!stores.ok()) return Fail("scrub", stores.status());
  SystemClock clock;
  scrub::Scrubber scrubber(*stores->blobs, *stores->metadata, clock);
  StatusOr<scrub::ScrubReport> report = scrubber.Run({.repair = options.repair});
  if (!report.ok()) return Fail("scrub", report.status());
  std::fputs(scrub::FormatReport(*report).c_str(), stdout);
  return report->Unrepaired() > 0 ? 3 : 0;
#else
  (void)config;
  (void)options;
  return Fail("scrub", UnimplementedError("this build has no scrub"));
#endif
}

}  // namespace cangku::server
