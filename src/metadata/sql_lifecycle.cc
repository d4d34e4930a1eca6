// The LifecycleStore methods of SqlMetadataStore: the reads and conditional deletes of garbage
// collection and scrub.
//
// Conditional deletes and concurrent pushes: on SQLite every write transaction is serialized
// (BEGIN IMMEDIATE), so the condition checked inside the delete's transaction holds when it
// commits. On PostgreSQL (READ COMMITTED) a statement's subqueries see the snapshot the
// statement began with, even after waiting for a row lock; so the row is first locked FOR
// UPDATE in its own statement, and the condition is checked by a later statement, which sees
// whatever the pushes that held the row (PutManifest locks the links and children it checks
// FOR SHARE; a tag's foreign key locks its manifest) committed meanwhile.

#include <soci/soci.h>

#include <map>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_session.h"

namespace cangku::metadata {
namespace {

constexpr size_t kLinkBatch = 256;

// Locks one row FOR UPDATE on PostgreSQL (see the top of this file); no-op on SQLite.
void LockRow(soci::session& sql, SqlDialect dialect, const char* table, long long repo_id,
             const std::string& digest) {
  if (dialect != SqlDialect::kPostgres) return;
  int one = 0;
  sql << "SELECT 1 FROM " << table << " WHERE repository_id = :r AND digest = :d FOR UPDATE",
      soci::use(repo_id), soci::use(digest), soci::into(one);
}

// Deletes links if still unreferenced and older than `before`, one at a time, with the
// statement prepared once per transaction. The NOT EXISTS is one seek in
// manifest_refs_repository_child (migration 6); before it, SQLite scanned every reference of the
// repository per link.
class LinkDeleter {
 public:
  LinkDeleter(soci::session& sql, SqlDialect dialect, long long before)
      : sql_(sql),
        dialect_(dialect),
        before_(before),
        delete_(
            (sql.prepare << "DELETE FROM blob_links WHERE repository_id = :r AND digest = :d "
                            "AND created_at < :before AND NOT EXISTS (SELECT 1 FROM "
                            "manifest_refs mr WHERE mr.repository_id = blob_links.repository_id "
                            "AND mr.kind = 'blob' AND mr.child_digest = blob_links.digest)",
             soci::use(repo_id_), soci::use(digest_), soci::use(before_))) {}
  LinkDeleter(const LinkDeleter&) = delete;
  LinkDeleter& operator=(const LinkDeleter&) = delete;

  // True if it deleted the link.
  bool Delete(long long repo_id, const std::string& digest) {
    LockRow(sql_, dialect_, "blob_links", repo_id, digest);
    repo_id_ = repo_id;
    digest_ = digest;
    delete_.execute(true);
    return delete_.get_affected_rows() > 0;
  }

 private:
  soci::session& sql_;
  const SqlDialect dialect_;
  long long before_;
  long long repo_id_ = 0;
  std::string digest_;
  soci::statement delete_;
};

}  // namespace

Status SqlMetadataStore::ForEachLink(const std::function<Status(const LinkRow&)>& fn) {
  return WithSession(*pool_, "list links", [&](soci::session& sql) -> Status {
    std::string repository, digest;
    long long size = 0, created_at = 0;
    soci::statement st =
        (sql.prepare << "SELECT r.name, b.digest, b.size, b.created_at FROM blob_links b "
                        "JOIN repositories r ON r.id = b.repository_id",
         soci::into(repository), soci::into(digest), soci::into(size), soci::into(created_at));
    st.execute();
    while (st.fetch()) {
      ASSIGN_OR_RETURN(oci::Digest parsed, ParseStoredDigest(digest));
      RETURN_IF_ERROR(fn(LinkRow{repository, std::move(parsed), size, created_at}));
    }
    return OkStatus();
  });
}

Status SqlMetadataStore::ForEachManifest(const std::function<Status(const ManifestNode&)>& fn) {
  return WithSession(*pool_, "list manifests", [&](soci::session& sql) -> Status {
    std::string repository, digest, subject;
    soci::indicator subject_ind = soci::i_null;
    long long size = 0, created_at = 0, last_pulled_at = 0;
    int tagged = 0;
    soci::statement st =
        (sql.prepare << "SELECT r.name, m.digest, m.subject, m.size, m.created_at, "
                        "CASE WHEN EXISTS (SELECT 1 FROM tags t WHERE t.repository_id = "
                        "m.repository_id AND t.manifest_digest = m.digest) THEN 1 ELSE 0 END, "
                        "m.last_pulled_at "
                        "FROM manifests m JOIN repositories r ON r.id = m.repository_id",
         soci::into(repository), soci::into(digest), soci::into(subject, subject_ind),
         soci::into(size), soci::into(created_at), soci::into(tagged), soci::into(last_pulled_at));
    st.execute();
    while (st.fetch()) {
      ASSIGN_OR_RETURN(oci::Digest parsed, ParseStoredDigest(digest));
      ManifestNode node{.repository = repository,
                        .digest = std::move(parsed),
                        .subject = std::nullopt,
                        .size = size,
                        .created_at = created_at,
                        .tagged = tagged != 0,
                        .last_pulled_at = last_pulled_at};
      if (subject_ind == soci::i_ok) {
        ASSIGN_OR_RETURN(node.subject, ParseStoredDigest(subject));
      }
      RETURN_IF_ERROR(fn(node));
    }
    return OkStatus();
  });
}

Status SqlMetadataStore::ForEachManifestRef(const std::function<Status(const ManifestRef&)>& fn) {
  return WithSession(*pool_, "list manifest references", [&](soci::session& sql) -> Status {
    std::string repository, manifest, kind, child;
    soci::statement st =
        (sql.prepare << "SELECT r.name, mr.manifest_digest, mr.kind, mr.child_digest "
                        "FROM manifest_refs mr JOIN repositories r ON r.id = mr.repository_id",
         soci::into(repository), soci::into(manifest), soci::into(kind), soci::into(child));
    st.execute();
    while (st.fetch()) {
      ASSIGN_OR_RETURN(oci::Digest parent, ParseStoredDigest(manifest));
      ASSIGN_OR_RETURN(oci::Digest target, ParseStoredDigest(child));
      RETURN_IF_ERROR(fn(ManifestRef{
          .repository = repository,
          .manifest = std::move(parent),
          .kind = kind == "manifest" ? ManifestRef::Kind::kManifest : ManifestRef::Kind::kBlob,
          .child = std::move(target)}));
    }
    return OkStatus();
  });
}

StatusOr<bool> SqlMetadataStore::IsLinked(const oci::Digest& digest) {
  return WithSession(*pool_, "is linked", [&](soci::session& sql) -> StatusOr<bool> {
    int one = 0;
    sql << "SELECT 1 FROM blob_links WHERE digest = :d LIMIT 1", soci::use(digest.str()),
        soci::into(one);
    return sql.got_data();
  });
}

StatusOr<std::vector<LinkRow>> SqlMetadataStore::DeleteUnreferencedLinks(
    const std::vector<LinkRow>& links, int64_t before) {
  auto writer = WriterLock();
  std::vector<LinkRow> deleted;
  for (size_t start = 0; start < links.size(); start += kLinkBatch) {
    size_t end = std::min(links.size(), start + kLinkBatch);
    Status s = WithSession(*pool_, "delete links", [&](soci::session& sql) -> Status {
      std::vector<LinkRow> batch;
      std::map<std::string, long long> repo_ids;
      WriteTransaction tx(sql, dialect_);
      LinkDeleter deleter(sql, dialect_, before);
      for (size_t i = start; i < end; ++i) {
        const LinkRow& link = links[i];
        auto it = repo_ids.find(link.repository);
        if (it == repo_ids.end()) {
          long long id = -1;
          if (!FindRepository(sql, link.repository, &id)) id = -1;
          it = repo_ids.emplace(link.repository, id).first;
        }
        if (it->second < 0) continue;
        if (deleter.Delete(it->second, link.digest.str())) {
          batch.push_back(link);
        }
      }
      tx.Commit();
      deleted.insert(deleted.end(), batch.begin(), batch.end());
      return OkStatus();
    });
    RETURN_IF_ERROR(s);
  }
  return deleted;
}

StatusOr<bool> SqlMetadataStore::DeleteManifestIfUnreachable(const std::string& repository,
                                                             const oci::Digest& digest,
                                                             int64_t before) {
  auto writer = WriterLock();
  return WithSession(*pool_, "delete manifest", [&](soci::session& sql) -> StatusOr<bool> {
    WriteTransaction tx(sql, dialect_);
    long long repo_id = 0;
    if (!FindRepository(sql, repository, &repo_id)) return false;
    LockRow(sql, dialect_, "manifests", repo_id, digest.str());
    long long cutoff = before;
    int unreachable = 0;
    sql << "SELECT 1 FROM manifests m WHERE m.repository_id = :r AND m.digest = :d "
           "AND m.created_at < :before "
           "AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.repository_id = m.repository_id "
           "AND t.manifest_digest = m.digest) "
           "AND NOT EXISTS (SELECT 1 FROM manifest_refs c WHERE c.repository_id = "
           "m.repository_id AND c.kind = 'manifest' AND c.child_digest = m.digest) "
           "AND (m.subject IS NULL OR NOT EXISTS (SELECT 1 FROM manifests s WHERE "
           "s.repository_id = m.repository_id AND s.digest = m.subject))",
        soci::use(repo_id), soci::use(digest.str()), soci::use(cutoff), soci::into(unreachable);
    if (!sql.got_data()) return false;
    sql << "DELETE FROM manifest_refs WHERE repository_id = :r AND manifest_digest = :d",
        soci::use(repo_id), soci::use(digest.str());
    sql << "DELETE FROM manifests WHERE repository_id = :r AND digest = :d", soci::use(repo_id),
        soci::use(digest.str());
    tx.Commit();
    return true;
  });
}

}  // namespace cangku::metadata
