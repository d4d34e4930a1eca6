#include "features/gc/garbage_collector.h"

#include <deque>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace cangku::gc {
namespace {

using metadata::LinkRow;
using metadata::ManifestNode;
using metadata::ManifestRef;
using SteadyClock = std::chrono::steady_clock;

// "repository@digest": the key of a link or a manifest.
std::string Key(const std::string& repository, const oci::Digest& digest) {
  return repository + "@" + digest.str();
}

std::chrono::milliseconds Since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
}

// What the mark phase decided, from one look at the metadata and the blob store.
struct Plan {
  std::vector<ManifestNode> manifests;  // to delete, parents and subjects before the rest
  std::vector<LinkRow> links;           // to delete
  std::vector<std::pair<oci::Digest, uint64_t>> blobs;  // to delete, with their sizes
};

// The manifest graph of every repository.
struct Graph {
  std::unordered_map<std::string, ManifestNode> nodes;                  // by Key
  std::unordered_map<std::string, std::vector<std::string>> children;   // index -> entries
  std::unordered_map<std::string, std::vector<std::string>> referrers;  // subject -> referrers
  std::unordered_map<std::string, std::vector<oci::Digest>> blob_refs;  // manifest -> blobs
};

Status LoadGraph(metadata::LifecycleStore& metadata, Graph* graph) {
  RETURN_IF_ERROR(metadata.ForEachManifest([&](const ManifestNode& node) {
    std::string key = Key(node.repository, node.digest);
    if (node.subject) graph->referrers[Key(node.repository, *node.subject)].push_back(key);
    graph->nodes.emplace(std::move(key), node);
    return OkStatus();
  }));
  return metadata.ForEachManifestRef([&](const ManifestRef& ref) {
    std::string key = Key(ref.repository, ref.manifest);
    if (ref.kind == ManifestRef::Kind::kManifest) {
      graph->children[key].push_back(Key(ref.repository, ref.child));
    } else {
      graph->blob_refs[key].push_back(ref.child);
    }
    return OkStatus();
  });
}

// The manifests to keep: every one, or (delete_untagged) those reachable from the roots.
std::unordered_set<std::string> KeptManifests(const Graph& graph, bool delete_untagged,
                                              int64_t cutoff) {
  std::unordered_set<std::string> kept;
  std::deque<std::string> queue;
  for (const auto& [key, node] : graph.nodes) {
    if (!delete_untagged || node.tagged || node.created_at >= cutoff) {
      if (kept.insert(key).second) queue.push_back(key);
    }
  }
  auto visit = [&](const auto& edges, const std::string& from) {
    auto it = edges.find(from);
    if (it == edges.end()) return;
    for (const std::string& to : it->second) {
      if (graph.nodes.contains(to) && kept.insert(to).second) queue.push_back(to);
    }
  };
  while (!queue.empty()) {
    std::string key = std::move(queue.front());
    queue.pop_front();
    visit(graph.children, key);
    visit(graph.referrers, key);
  }
  return kept;
}

// Orders the doomed manifests so that each comes after the indexes that list it and after its
// subject: the conditional delete refuses a manifest while either is still there.
std::vector<ManifestNode> DeletionOrder(const Graph& graph,
                                        const std::unordered_set<std::string>& kept) {
  std::unordered_map<std::string, int> blockers;  // doomed key -> doomed protectors not yet out
  std::unordered_map<std::string, std::vector<std::string>> unblocks;
  for (const auto& [key, node] : graph.nodes) {
    if (kept.contains(key)) continue;
    blockers.try_emplace(key, 0);
    if (node.subject) {
      std::string subject = Key(node.repository, *node.subject);
      if (graph.nodes.contains(subject) && !kept.contains(subject)) {
        ++blockers[key];
        unblocks[subject].push_back(key);
      }
    }
    if (auto it = graph.children.find(key); it != graph.children.end()) {
      for (const std::string& child : it->second) {
        if (!graph.nodes.contains(child) || kept.contains(child)) continue;
        ++blockers[child];
        unblocks[key].push_back(child);
      }
    }
  }
  std::vector<ManifestNode> order;
  std::deque<std::string> ready;
  for (const auto& [key, count] : blockers) {
    if (count == 0) ready.push_back(key);
  }
  while (!ready.empty()) {
    std::string key = std::move(ready.front());
    ready.pop_front();
    order.push_back(graph.nodes.at(key));
    for (const std::string& next : unblocks[key]) {
      if (--blockers[next] == 0) ready.push_back(next);
    }
  }
  // Manifests on a cycle (say, an index whose subject is also its entry) never become ready;
  // the conditional delete would refuse them anyway, so they stay.
  return order;
}

}  // namespace

StatusOr<GcReport> GarbageCollector::Run(const GcOptions& options) {
  GcReport report;
  report.dry_run = options.dry_run;
  auto mark_start = SteadyClock::now();
  auto now = clock_.Now();
  auto file_cutoff = now - options.grace;
  int64_t cutoff = UnixSeconds(file_cutoff);

  // Mark: which manifests stay, hence which links, hence which blob files.
  Graph graph;
  RETURN_IF_ERROR(LoadGraph(metadata_, &graph));
  report.manifests_seen = graph.nodes.size();
  std::unordered_set<std::string> kept = KeptManifests(graph, options.delete_untagged, cutoff);
  Plan plan;
  plan.manifests = DeletionOrder(graph, kept);
  std::unordered_set<std::string> referenced;  // links a kept manifest references
  for (const std::string& key : kept) {
    auto it = graph.blob_refs.find(key);
    if (it == graph.blob_refs.end()) continue;
    const std::string& repository = graph.nodes.at(key).repository;
    for (const oci::Digest& blob : it->second) referenced.insert(Key(repository, blob));
  }
  graph = Graph();
  std::unordered_set<std::string> linked;  // digests some surviving link names
  RETURN_IF_ERROR(metadata_.ForEachLink([&](const LinkRow& link) {
    ++report.links_seen;
    if (link.created_at < cutoff && !referenced.contains(Key(link.repository, link.digest))) {
      plan.links.push_back(link);
    } else {
      linked.insert(link.digest.str());
    }
    return OkStatus();
  }));
  referenced.clear();
  RETURN_IF_ERROR(blobs_.Walk([&](const oci::Digest& digest, const storage::BlobInfo& info) {
    ++report.blobs_seen;
    if (info.modified < file_cutoff && !linked.contains(digest.str())) {
      plan.blobs.emplace_back(digest, info.size);
    }
    return OkStatus();
  }));
  report.mark_time = Since(mark_start);

  auto sweep_start = SteadyClock::now();
  if (options.dry_run) {
    for (const ManifestNode& m : plan.manifests) {
      report.manifests.push_back(Key(m.repository, m.digest));
    }
    for (const LinkRow& l : plan.links) report.links.push_back(Key(l.repository, l.digest));
    for (const auto& [digest, size] : plan.blobs) {
      report.blobs.push_back(digest);
      report.bytes_freed += size;
    }
    report.sweep_time = Since(sweep_start);
    return report;
  }

  // Sweep: manifests, then links, then files; each delete re-checks its condition.
  for (const ManifestNode& m : plan.manifests) {
    ASSIGN_OR_RETURN(bool deleted,
                     metadata_.DeleteManifestIfUnreachable(m.repository, m.digest, cutoff));
    if (deleted) {
      report.manifests.push_back(Key(m.repository, m.digest));
    } else {
      ++report.saved_by_race;
    }
  }
  // Links that only doomed manifests referenced are collectable now too; the conditional
  // delete keeps any a surviving manifest still references.
  ASSIGN_OR_RETURN(std::vector<LinkRow> deleted_links,
                   metadata_.DeleteUnreferencedLinks(plan.links, cutoff));
  report.saved_by_race += plan.links.size() - deleted_links.size();
  for (const LinkRow& l : deleted_links) report.links.push_back(Key(l.repository, l.digest));
  for (const auto& [digest, size] : plan.blobs) {
    // Fresh checks right before the unlink: a push may have stored the blob again (refreshing
    // its time) or linked it since the mark.
    StatusOr<storage::BlobInfo> info = blobs_.Stat(digest);
    if (!info.ok()) {
      if (info.status().code() == StatusCode::kNotFound) continue;  // another GC took it
      return info.status();
    }
    ASSIGN_OR_RETURN(bool is_linked, metadata_.IsLinked(digest));
    if (info->modified >= file_cutoff || is_linked) {
      ++report.saved_by_race;
      continue;
    }
    Status s = blobs_.Delete(digest);
    if (s.code() == StatusCode::kNotFound) continue;
    RETURN_IF_ERROR(s);
    report.blobs.push_back(digest);
    report.bytes_freed += info->size;
  }
  report.sweep_time = Since(sweep_start);
  return report;
}

std::string FormatReport(const GcReport& report, bool verbose) {
  std::ostringstream out;
  const char* verb = report.dry_run ? "would delete" : "deleted";
  if (report.dry_run) out << "dry run: nothing was deleted\n";
  out << "examined " << report.manifests_seen << " manifests, " << report.links_seen
      << " blob links, " << report.blobs_seen << " blobs\n";
  out << verb << " " << report.manifests.size() << " manifests, " << report.links.size()
      << " blob links, " << report.blobs.size() << " blobs (" << report.bytes_freed << " bytes)\n";
  if (report.saved_by_race > 0) {
    out << report.saved_by_race << " candidates were taken back by concurrent pushes\n";
  }
  out << "mark " << report.mark_time.count() << " ms, sweep " << report.sweep_time.count()
      << " ms\n";
  if (verbose || report.dry_run) {
    for (const std::string& m : report.manifests) out << "manifest " << m << "\n";
    for (const std::string& l : report.links) out << "link " << l << "\n";
    for (const oci::Digest& b : report.blobs) out << "blob " << b.str() << "\n";
  }
  return out.str();
}

}  // namespace cangku::gc
