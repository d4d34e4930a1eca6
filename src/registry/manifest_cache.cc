#include "registry/manifest_cache.h"

namespace cangku::registry {

ManifestCache::Entry ManifestCache::Get(std::string_view repository,
                                        std::string_view reference) const {
  std::lock_guard lock(mu_);
  auto repo = repos_.find(std::string(repository));
  if (repo == repos_.end()) return nullptr;
  auto it = repo->second.find(std::string(reference));
  return it == repo->second.end() ? nullptr : it->second;
}

void ManifestCache::Put(std::string_view repository, std::string_view reference, Entry entry) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  if (size_ >= capacity_) {
    repos_.clear();
    size_ = 0;
  }
  auto [it, inserted] =
      repos_[std::string(repository)].insert_or_assign(std::string(reference), std::move(entry));
  if (inserted) ++size_;
}

void ManifestCache::InvalidateRepository(std::string_view repository) {
  std::lock_guard lock(mu_);
  auto repo = repos_.find(std::string(repository));
  if (repo == repos_.end()) return;
  size_ -= repo->second.size();
  repos_.erase(repo);
}

}  // namespace cangku::registry
