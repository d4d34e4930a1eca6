#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "oci/reference.h"

namespace cangku::registry {

// A manifest of a repository as a GET or HEAD answers with it: the digest, the media type and
// the bytes as pushed, in one allocation. A cheap copyable handle to immutable data;
// default-constructed it is empty.
class CachedManifest {
 public:
  CachedManifest() = default;
  CachedManifest(std::string_view repository, std::string_view digest, std::string_view media_type,
                 std::string_view content);

  explicit operator bool() const { return data_ != nullptr; }
  std::string_view repository() const { return Part(0); }
  std::string_view digest() const { return Part(1); }
  std::string_view media_type() const { return Part(2); }
  std::string_view content() const { return Part(3); }

  // Marks the record as noted in `period` (a count of PullRecorder's time units); false when
  // it already was, so that a hot manifest is noted once a period. Thread-safe.
  bool MarkNoted(uint32_t period) const;

  // The same record (not merely equal bytes).
  friend bool operator==(const CachedManifest& a, const CachedManifest& b) {
    return a.data_ == b.data_;
  }

 private:
  static constexpr size_t kParts = 4;
  static constexpr size_t kHeaderWords = 1 + kParts;  // the noted period, the parts' sizes
  std::string_view Part(size_t i) const;

  // Words: the noted period (only ever accessed atomically), the kParts sizes, then the
  // parts' bytes back to back.
  std::shared_ptr<uint32_t[]> data_;
};

// Recently read manifests by (repository, reference), so that hot manifest GET/HEAD answer
// from memory without touching the metadata store. Writers invalidate what they change.
// One record per manifest answers its tag and its digest. Bounded: at most `capacity` records
// (when full it starts over) and kMaxPerRepository per repository (the oldest goes first).
// Thread-safe and non-blocking.
class ManifestCache {
 public:
  static constexpr size_t kMaxPerRepository = 32;

  explicit ManifestCache(size_t capacity) : capacity_(capacity) {}

  CachedManifest Get(std::string_view repository, const oci::Reference& reference) const;
  // Caches `manifest` as what `reference` names in `repository`; a GET of its digest finds
  // it too.
  void Put(std::string_view repository, const oci::Reference& reference, CachedManifest manifest);
  // Drops every entry of `repository` (a tag moved, a manifest or tag was deleted).
  void InvalidateRepository(std::string_view repository);

 private:
  struct Slot {
    std::string tag;  // "" when cached by digest only
    CachedManifest manifest;
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Slots = std::vector<Slot>;

  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Slots, NameHash, std::equal_to<>> repos_;  // guarded
  size_t size_ = 0;                                                          // guarded
};

}  // namespace cangku::registry
