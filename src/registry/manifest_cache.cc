#include "registry/manifest_cache.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace cangku::registry {
namespace {

constexpr uint32_t kNever = UINT32_MAX;

}  // namespace

CachedManifest::CachedManifest(std::string_view repository, std::string_view digest,
                               std::string_view media_type, std::string_view content) {
  const std::string_view parts[kParts] = {repository, digest, media_type, content};
  size_t bytes = 0;
  for (std::string_view part : parts) bytes += part.size();
  data_ = std::make_shared_for_overwrite<uint32_t[]>(kHeaderWords + (bytes + sizeof(uint32_t) - 1) /
                                                                        sizeof(uint32_t));
  data_[0] = kNever;
  char* out = reinterpret_cast<char*>(data_.get() + kHeaderWords);
  for (size_t i = 0; i < kParts; ++i) {
    data_[1 + i] = static_cast<uint32_t>(parts[i].size());
    std::memcpy(out, parts[i].data(), parts[i].size());
    out += parts[i].size();
  }
}

std::string_view CachedManifest::Part(size_t i) const {
  const char* at = reinterpret_cast<const char*>(data_.get() + kHeaderWords);
  for (size_t k = 0; k < i; ++k) at += data_[1 + k];
  return {at, data_[1 + i]};
}

bool CachedManifest::MarkNoted(uint32_t period) const {
  std::atomic_ref<uint32_t> noted(data_[0]);
  return noted.load(std::memory_order_relaxed) != period &&
         noted.exchange(period, std::memory_order_relaxed) != period;
}

namespace {

// The slot that answers `reference`: by tag, or by the digest of the record it holds.
template <typename SlotVector>
auto FindSlot(SlotVector& slots, const oci::Reference& reference) {
  if (reference.is_digest()) {
    const std::string& digest = reference.digest().str();
    return std::find_if(slots.begin(), slots.end(),
                        [&](const auto& slot) { return slot.manifest.digest() == digest; });
  }
  const std::string& tag = reference.tag();
  return std::find_if(slots.begin(), slots.end(),
                      [&](const auto& slot) { return slot.tag == tag; });
}

}  // namespace

CachedManifest ManifestCache::Get(std::string_view repository,
                                  const oci::Reference& reference) const {
  std::lock_guard lock(mu_);
  auto repo = repos_.find(repository);
  if (repo == repos_.end()) return {};
  auto slot = FindSlot(repo->second, reference);
  return slot == repo->second.end() ? CachedManifest() : slot->manifest;
}

void ManifestCache::Put(std::string_view repository, const oci::Reference& reference,
                        CachedManifest manifest) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  auto repo = repos_.find(repository);
  if (repo != repos_.end()) {
    Slots& slots = repo->second;
    auto slot = FindSlot(slots, reference);
    if (slot != slots.end()) {
      // By digest: the record is already there. By tag: the tag now names this record.
      if (!reference.is_digest()) slot->manifest = std::move(manifest);
      return;
    }
    if (!reference.is_digest()) {
      // The record was cached by digest only: the tag joins it.
      auto same = std::find_if(slots.begin(), slots.end(), [&](const Slot& s) {
        return s.tag.empty() && s.manifest.digest() == manifest.digest();
      });
      if (same != slots.end()) {
        same->tag = reference.tag();
        same->manifest = std::move(manifest);
        return;
      }
    }
  }
  if (size_ >= capacity_) {
    repos_.clear();
    size_ = 0;
    repo = repos_.end();
  }
  if (repo == repos_.end()) repo = repos_.emplace(std::string(repository), Slots()).first;
  Slots& slots = repo->second;
  if (slots.size() >= kMaxPerRepository) {
    slots.erase(slots.begin());
    --size_;
  }
  slots.push_back({reference.is_digest() ? std::string() : reference.tag(), std::move(manifest)});
  ++size_;
}

void ManifestCache::InvalidateRepository(std::string_view repository) {
  std::lock_guard lock(mu_);
  auto repo = repos_.find(repository);
  if (repo == repos_.end()) return;
  size_ -= repo->second.size();
  repos_.erase(repo);
}

}  // namespace cangku::registry
