#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "metadata/metadata_store.h"

namespace cangku::registry {

// Recently read manifests by (repository, reference), so that hot manifest GET/HEAD answer
// from memory without touching the metadata store. Writers invalidate what they change.
// Bounded: when full it starts over. Thread-safe and non-blocking.
class ManifestCache {
 public:
  using Entry = std::shared_ptr<const metadata::ManifestRecord>;

  explicit ManifestCache(size_t capacity) : capacity_(capacity) {}

  Entry Get(std::string_view repository, std::string_view reference) const;
  void Put(std::string_view repository, std::string_view reference, Entry entry);
  // Drops every entry of `repository` (a tag moved, a manifest or tag was deleted).
  void InvalidateRepository(std::string_view repository);

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unordered_map<std::string, Entry>> repos_;  // guarded
  size_t size_ = 0;                                                                // guarded
};

}  // namespace cangku::registry
