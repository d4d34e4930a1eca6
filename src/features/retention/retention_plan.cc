#include "features/retention/retention_plan.h"

#include <algorithm>
#include <set>

namespace cangku::retention {
namespace {

using DigestSet = std::set<std::string>;

// Indexes into `tags` of the `n` most recently pushed (ties: by name).
std::set<size_t> MostRecent(const std::vector<metadata::TagRow>& tags, int64_t n) {
  std::vector<size_t> order(tags.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (tags[a].updated_at != tags[b].updated_at) return tags[a].updated_at > tags[b].updated_at;
    return tags[a].name < tags[b].name;
  });
  if (order.size() > static_cast<size_t>(n)) order.resize(static_cast<size_t>(n));
  return {order.begin(), order.end()};
}

// Whether a keep rule keeps the tag; `recent` says whether it is among the N most recent.
bool Kept(const metadata::TagRow& tag, bool recent, const RepositoryState& repo,
          const policy::RetentionRules& rules, int64_t now) {
  if (!rules.HasKeepRules() || recent) return true;
  if (!rules.keep_tags.empty() && policy::MatchesAny(rules.keep_tags, tag.name)) return true;
  if (!rules.keep_tags_not.empty() && !policy::MatchesAny(rules.keep_tags_not, tag.name)) {
    return true;
  }
  if (rules.keep_pulled_days) {
    auto it = repo.manifests.find(tag.digest.str());
    int64_t since = now - *rules.keep_pulled_days * 86400;
    if (it != repo.manifests.end() && it->second.last_pulled_at > 0 &&
        it->second.last_pulled_at >= since) {
      return true;
    }
  }
  return false;
}

// Adds to `kept` what a kept manifest holds on to: an index's children and the referrers of a
// subject, transitively.
void Close(const RepositoryState& repo, DigestSet& kept) {
  std::map<std::string, std::vector<std::string>> referrers;
  for (const auto& [digest, node] : repo.manifests) {
    if (node.subject) referrers[node.subject->str()].push_back(digest);
  }
  std::vector<std::string> work(kept.begin(), kept.end());
  auto visit = [&](const std::map<std::string, std::vector<std::string>>& edges,
                   const std::string& from) {
    auto it = edges.find(from);
    if (it == edges.end()) return;
    for (const std::string& to : it->second) {
      if (kept.insert(to).second) work.push_back(to);
    }
  };
  while (!work.empty()) {
    std::string digest = std::move(work.back());
    work.pop_back();
    visit(repo.index_children, digest);
    visit(referrers, digest);
  }
}

// Why an untagged manifest goes.
std::string ManifestReason(const RepositoryState& repo, const metadata::ManifestNode& node,
                           const DigestSet& had_tag) {
  if (had_tag.count(node.digest.str())) return "no tag left";
  if (node.subject && repo.manifests.count(node.subject->str())) return "subject removed";
  for (const auto& [index, children] : repo.index_children) {
    if (std::find(children.begin(), children.end(), node.digest.str()) != children.end()) {
      return "index removed";
    }
  }
  return "untagged";
}

// The removed manifests in an order where indexes and subjects come before what they hold.
std::vector<std::string> ParentsFirst(const RepositoryState& repo, const DigestSet& removed) {
  std::map<std::string, std::vector<std::string>> parents;
  for (const auto& [index, children] : repo.index_children) {
    for (const std::string& child : children) parents[child].push_back(index);
  }
  for (const auto& [digest, node] : repo.manifests) {
    if (node.subject) parents[digest].push_back(node.subject->str());
  }
  std::vector<std::string> order;
  DigestSet placed, left = removed;
  auto ready = [&](const std::string& digest) {
    const std::vector<std::string>& ps = parents[digest];
    return std::all_of(ps.begin(), ps.end(),
                       [&](const std::string& p) { return !removed.count(p) || placed.count(p); });
  };
  while (!left.empty()) {
    bool progress = false;
    for (auto it = left.begin(); it != left.end();) {
      if (!ready(*it)) {
        ++it;
        continue;
      }
      order.push_back(*it);
      placed.insert(*it);
      it = left.erase(it);
      progress = true;
    }
    if (!progress) {  // a cycle, which digests cannot form; never loop forever
      order.insert(order.end(), left.begin(), left.end());
      break;
    }
  }
  return order;
}

}  // namespace

RepositoryPlan PlanRepository(const std::string& repository, const RepositoryState& repo,
                              const policy::RetentionRules& rules,
                              const std::vector<std::string>& immutable, int64_t now,
                              std::chrono::seconds grace) {
  RepositoryPlan plan;
  std::set<size_t> recent;
  if (rules.keep_last) recent = MostRecent(repo.tags, *rules.keep_last);
  DigestSet kept, had_tag;
  for (size_t i = 0; i < repo.tags.size(); ++i) {
    const metadata::TagRow& tag = repo.tags[i];
    had_tag.insert(tag.digest.str());
    if (policy::MatchesAny(immutable, tag.name) ||
        Kept(tag, recent.count(i) > 0, repo, rules, now)) {
      kept.insert(tag.digest.str());
      ++plan.tags_kept;
    } else {
      plan.tags.push_back({repository, tag.name, tag.digest, "kept by no rule", tag.updated_at});
    }
  }
  if (!rules.remove_untagged) return plan;
  for (const auto& [digest, node] : repo.manifests) {
    if (node.created_at > now - grace.count()) kept.insert(digest);  // maybe a push in flight
  }
  Close(repo, kept);
  DigestSet removed;
  for (const auto& [digest, node] : repo.manifests) {
    if (!kept.count(digest)) removed.insert(digest);
  }
  for (const std::string& digest : ParentsFirst(repo, removed)) {
    const metadata::ManifestNode& node = repo.manifests.at(digest);
    plan.manifests.push_back({repository, "", node.digest, ManifestReason(repo, node, had_tag)});
  }
  return plan;
}

}  // namespace cangku::retention
