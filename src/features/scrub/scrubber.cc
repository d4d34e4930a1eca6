#include "features/scrub/scrubber.h"

#include <limits>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace cangku::scrub {
namespace {

using metadata::LinkRow;
using metadata::ManifestNode;
using metadata::ManifestRef;

constexpr size_t kReadBuffer = 1 << 20;

std::string Key(const std::string& repository, const oci::Digest& digest) {
  return repository + "@" + digest.str();
}

bool IsNote(ProblemKind kind) { return kind == ProblemKind::kOrphanBlob; }

// What the metadata says, read once.
struct MetadataView {
  std::unordered_set<std::string> manifests;         // Key(repository, digest)
  std::unordered_set<std::string> referenced_links;  // Key(repository, blob) some manifest uses
  std::vector<ManifestRef> refs;
  std::vector<LinkRow> links;
};

Status LoadMetadata(metadata::LifecycleStore& metadata, MetadataView* view) {
  RETURN_IF_ERROR(metadata.ForEachManifest([&](const ManifestNode& node) {
    view->manifests.insert(Key(node.repository, node.digest));
    return OkStatus();
  }));
  RETURN_IF_ERROR(metadata.ForEachManifestRef([&](const ManifestRef& ref) {
    if (ref.kind == ManifestRef::Kind::kBlob) {
      view->referenced_links.insert(Key(ref.repository, ref.child));
    }
    view->refs.push_back(ref);
    return OkStatus();
  }));
  return metadata.ForEachLink([&](const LinkRow& link) {
    view->links.push_back(link);
    return OkStatus();
  });
}

}  // namespace

std::string_view ProblemName(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::kCorruptBlob:
      return "corrupt-blob";
    case ProblemKind::kMissingBlob:
      return "missing-blob";
    case ProblemKind::kSizeMismatch:
      return "size-mismatch";
    case ProblemKind::kBrokenManifest:
      return "broken-manifest";
    case ProblemKind::kMissingChild:
      return "missing-child";
    case ProblemKind::kOrphanBlob:
      return "orphan-blob";
  }
  return "unknown";
}

size_t ScrubReport::Unrepaired() const {
  size_t n = 0;
  for (const ScrubProblem& p : problems) n += !IsNote(p.kind) && !p.repaired;
  return n;
}

StatusOr<bool> Scrubber::Verify(const oci::Digest& digest, ScrubReport* report) {
  ASSIGN_OR_RETURN(std::unique_ptr<storage::BlobReader> reader, blobs_.Open(digest));
  oci::Digester digester(digest.algorithm());
  std::vector<char> buf(kReadBuffer);
  uint64_t offset = 0;
  while (true) {
    ASSIGN_OR_RETURN(size_t n, reader->ReadAt(offset, buf));
    if (n == 0) break;
    digester.Update(buf.data(), n);
    offset += n;
  }
  report->bytes_hashed += offset;
  return digester.Current() == digest;
}

StatusOr<ScrubReport> Scrubber::Run(const ScrubOptions& options) {
  ScrubReport report;
  auto orphan_cutoff = clock_.Now() - options.orphan_age;

  // The blob store: every blob, re-hashed.
  std::vector<std::pair<oci::Digest, storage::BlobInfo>> walked;
  RETURN_IF_ERROR(blobs_.Walk([&](const oci::Digest& digest, const storage::BlobInfo& info) {
    walked.emplace_back(digest, info);
    return OkStatus();
  }));
  std::unordered_map<std::string, storage::BlobInfo> stored;  // by digest, the usable ones
  std::unordered_map<std::string, size_t> corrupt;            // digest -> its problem
  for (const auto& [digest, info] : walked) {
    ++report.blobs_checked;
    if (options.verify_content) {
      StatusOr<bool> good = Verify(digest, &report);
      if (!good.ok()) {
        if (good.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
        return good.status();
      }
      if (!*good) {
        ScrubProblem p{ProblemKind::kCorruptBlob, "", digest,
                       "stored content does not hash to its digest"};
        if (options.repair) {
          Status s = blobs_.Delete(digest);
          p.repaired = s.ok() || s.code() == StatusCode::kNotFound;
          if (p.repaired) p.detail += "; the file was deleted (push the blob again)";
        }
        report.problems.push_back(std::move(p));
        corrupt.emplace(digest.str(), report.problems.size() - 1);
        continue;
      }
    }
    stored.emplace(digest.str(), info);
  }

  // The metadata, against the blob store.
  MetadataView view;
  RETURN_IF_ERROR(LoadMetadata(metadata_, &view));
  report.manifests_checked = view.manifests.size();
  report.links_checked = view.links.size();
  // A blob pushed after the walk is not in `stored`: look again before calling it missing.
  auto available = [&](const oci::Digest& digest) -> StatusOr<bool> {
    if (stored.contains(digest.str())) return true;
    if (corrupt.contains(digest.str())) return false;
    StatusOr<storage::BlobInfo> info = blobs_.Stat(digest);
    if (info.ok()) return true;
    if (info.status().code() != StatusCode::kNotFound) return info.status();
    return false;
  };
  std::unordered_set<std::string> link_keys, linked;
  std::vector<LinkRow> to_unlink;
  std::vector<size_t> to_unlink_problem;
  for (const LinkRow& link : view.links) {
    link_keys.insert(Key(link.repository, link.digest));
    linked.insert(link.digest.str());
    bool referenced = view.referenced_links.contains(Key(link.repository, link.digest));
    if (auto bad = corrupt.find(link.digest.str()); bad != corrupt.end()) {
      // Reported once, as corrupt; once its file is gone an unused link to it can go too.
      if (report.problems[bad->second].repaired && !referenced) {
        to_unlink.push_back(link);
        to_unlink_problem.push_back(bad->second);
      }
      continue;
    }
    ASSIGN_OR_RETURN(bool ok, available(link.digest));
    if (!ok) {
      // A concurrent garbage collection may have removed link and blob since the read.
      ASSIGN_OR_RETURN(bool still_linked, metadata_.IsLinked(link.digest));
      if (!still_linked) continue;
      report.problems.push_back({ProblemKind::kMissingBlob, link.repository, link.digest,
                                 referenced ? "linked but not stored; a manifest uses it"
                                            : "linked but not stored; no manifest uses it"});
      if (options.repair && !referenced) {
        to_unlink.push_back(link);
        to_unlink_problem.push_back(report.problems.size() - 1);
      }
      continue;
    }
    auto it = stored.find(link.digest.str());
    if (it != stored.end() && static_cast<int64_t>(it->second.size) != link.size) {
      report.problems.push_back({ProblemKind::kSizeMismatch, link.repository, link.digest,
                                 "linked as " + std::to_string(link.size) + " bytes, stored " +
                                     std::to_string(it->second.size)});
    }
  }
  if (!to_unlink.empty()) {
    // The delete re-checks, in SQL, that no manifest references the link.
    ASSIGN_OR_RETURN(
        std::vector<LinkRow> removed,
        metadata_.DeleteUnreferencedLinks(to_unlink, std::numeric_limits<int64_t>::max()));
    std::unordered_set<std::string> removed_keys;
    for (const LinkRow& l : removed) removed_keys.insert(Key(l.repository, l.digest));
    for (size_t i = 0; i < to_unlink.size(); ++i) {
      if (!removed_keys.contains(Key(to_unlink[i].repository, to_unlink[i].digest))) continue;
      ScrubProblem& p = report.problems[to_unlink_problem[i]];
      p.repaired = true;
      p.detail += "; the link in " + to_unlink[i].repository + " was removed";
    }
  }

  for (const ManifestRef& ref : view.refs) {
    if (ref.kind == ManifestRef::Kind::kManifest) {
      if (view.manifests.contains(Key(ref.repository, ref.child))) continue;
      report.problems.push_back(
          {ProblemKind::kMissingChild, ref.repository, ref.manifest,
           "index lists manifest " + ref.child.str() + ", which the repository does not have"});
      continue;
    }
    std::string why;
    if (!link_keys.contains(Key(ref.repository, ref.child))) {
      why = "which the repository does not link";
    } else if (corrupt.contains(ref.child.str())) {
      why = "whose stored content is corrupt";
    } else {
      ASSIGN_OR_RETURN(bool ok, available(ref.child));
      if (!ok) why = "which is not stored";
    }
    if (why.empty()) continue;
    report.problems.push_back({ProblemKind::kBrokenManifest, ref.repository, ref.manifest,
                               "references blob " + ref.child.str() + ", " + why});
  }

  for (const auto& [digest, info] : walked) {
    if (linked.contains(digest.str()) || corrupt.contains(digest.str())) continue;
    if (info.modified >= orphan_cutoff) continue;
    report.problems.push_back(
        {ProblemKind::kOrphanBlob, "", digest,
         std::to_string(info.size) + " bytes linked nowhere; garbage collection removes it"});
  }
  return report;
}

std::string FormatReport(const ScrubReport& report) {
  std::ostringstream out;
  size_t notes = 0;
  for (const ScrubProblem& p : report.problems) {
    notes += IsNote(p.kind);
    out << (IsNote(p.kind) ? "note "
            : p.repaired   ? "repaired "
                           : "problem ")
        << ProblemName(p.kind) << " ";
    if (!p.repository.empty()) out << p.repository << "@";
    out << p.digest.str() << ": " << p.detail << "\n";
  }
  size_t problems = report.problems.size() - notes;
  out << "checked " << report.blobs_checked << " blobs (" << report.bytes_hashed
      << " bytes hashed), " << report.links_checked << " blob links, " << report.manifests_checked
      << " manifests\n";
  out << problems << " problems (" << problems - report.Unrepaired() << " repaired), " << notes
      << " notes\n";
  return out.str();
}

}  // namespace cangku::scrub
