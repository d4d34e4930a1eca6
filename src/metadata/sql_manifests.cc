// The manifest, tag and referrer methods of SqlMetadataStore.

#include <soci/soci.h>

#include <algorithm>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_session.h"

namespace cangku::metadata {
namespace {

// One row of `manifests`, as read.
struct ManifestRow {
  std::string digest;
  std::string media_type;
  std::string artifact_type;
  std::string subject;
  soci::indicator subject_ind = soci::i_null;
  std::string annotations;
  std::string content;
  long long size = 0;
  long long created_at = 0;
};

StatusOr<ManifestRecord> ToRecord(const std::string& repository, const ManifestRow& row) {
  ASSIGN_OR_RETURN(oci::Digest digest, ParseStoredDigest(row.digest));
  ManifestRecord record{.repository = repository,
                        .digest = std::move(digest),
                        .media_type = row.media_type,
                        .artifact_type = row.artifact_type,
                        .annotations_json = row.annotations,
                        .content = row.content,
                        .size = row.size,
                        .created_at = row.created_at};
  if (row.subject_ind == soci::i_ok) {
    ASSIGN_OR_RETURN(record.subject, ParseStoredDigest(row.subject));
  }
  return record;
}

// Reads manifest `row->digest` of `repository`; false if there is none.
bool LoadManifest(soci::session& sql, const std::string& repository, ManifestRow* row) {
  sql << "SELECT m.media_type, m.artifact_type, m.subject, m.annotations, m.content, "
         "m.size, m.created_at FROM manifests m JOIN repositories r ON r.id = m.repository_id "
         "WHERE r.name = :name AND m.digest = :digest",
      soci::use(repository), soci::use(row->digest), soci::into(row->media_type),
      soci::into(row->artifact_type), soci::into(row->subject, row->subject_ind),
      soci::into(row->annotations), soci::into(row->content), soci::into(row->size),
      soci::into(row->created_at);
  return sql.got_data();
}

// kNotFound naming the first of `digests` that has no row in `table` for the repository.
// On PostgreSQL the rows found are locked (FOR SHARE) until the transaction ends, so a
// concurrent garbage collection, which locks a row FOR UPDATE before its conditional delete,
// either waits and then sees this manifest's references, or wins and this check fails. SQLite
// needs no lock: its write transactions are serialized.
Status CheckPresent(soci::session& sql, SqlDialect dialect, long long repo_id,
                    const std::string& repository, const std::vector<oci::Digest>& digests,
                    std::string_view table, std::string_view noun) {
  std::string digest;
  int one = 0;
  const char* lock = dialect == SqlDialect::kPostgres ? " FOR SHARE" : "";
  soci::statement st = (sql.prepare << "SELECT 1 FROM " << table
                                    << " WHERE repository_id = :r AND digest = :d" << lock,
                        soci::use(repo_id), soci::use(digest), soci::into(one));
  for (const oci::Digest& d : digests) {
    digest = d.str();
    st.execute(true);
    if (!st.got_data()) {
      return NotFoundError(std::string(noun) + " " + digest + " unknown to repository " +
                           repository);
    }
  }
  return OkStatus();
}

void InsertManifest(soci::session& sql, long long repo_id, const ManifestRecord& m) {
  std::string subject = m.subject ? m.subject->str() : std::string();
  soci::indicator subject_ind = m.subject ? soci::i_ok : soci::i_null;
  long long size = static_cast<long long>(m.content.size());
  long long created_at = m.created_at;
  sql << "INSERT INTO manifests (repository_id, digest, media_type, artifact_type, subject, "
         "annotations, content, size, created_at) VALUES (:r, :d, :mt, :at, :s, :an, :c, :sz, "
         ":t) ON CONFLICT DO NOTHING",
      soci::use(repo_id), soci::use(m.digest.str()), soci::use(m.media_type),
      soci::use(m.artifact_type), soci::use(subject, subject_ind), soci::use(m.annotations_json),
      soci::use(m.content), soci::use(size), soci::use(created_at);
}

void InsertRefs(soci::session& sql, long long repo_id, const std::string& manifest,
                const std::vector<oci::Digest>& children, const std::string& kind) {
  if (children.empty()) return;
  std::string child;
  soci::statement st =
      (sql.prepare << "INSERT INTO manifest_refs (repository_id, manifest_digest, kind, "
                      "child_digest) VALUES (:r, :m, :k, :c) ON CONFLICT DO NOTHING",
       soci::use(repo_id), soci::use(manifest), soci::use(kind), soci::use(child));
  for (const oci::Digest& d : children) {
    child = d.str();
    st.execute(true);
  }
}

// Points the tag at the manifest. With `keep_target` an existing tag is only updated when it
// already points there (a conditional upsert, atomic on both engines); returns false when the
// tag points elsewhere.
bool UpsertTag(soci::session& sql, long long repo_id, const std::string& tag,
               const ManifestRecord& m, bool keep_target) {
  long long updated_at = m.created_at;
  std::string query =
      "INSERT INTO tags (repository_id, name, manifest_digest, updated_at) "
      "VALUES (:r, :n, :d, :t) ON CONFLICT (repository_id, name) DO UPDATE SET "
      "manifest_digest = excluded.manifest_digest, updated_at = excluded.updated_at";
  if (keep_target) query += " WHERE tags.manifest_digest = excluded.manifest_digest";
  soci::statement st = (sql.prepare << query, soci::use(repo_id), soci::use(tag),
                        soci::use(m.digest.str()), soci::use(updated_at));
  st.execute(true);
  return !keep_target || st.get_affected_rows() > 0;
}

}  // namespace

Status SqlMetadataStore::PutManifest(const ManifestWrite& write) {
  auto writer = WriterLock();
  return WithSession(*pool_, "put manifest", [&](soci::session& sql) -> Status {
    const ManifestRecord& m = write.manifest;
    WriteTransaction tx(sql, dialect_);
    long long repo_id = EnsureRepository(sql, m.repository);
    RETURN_IF_ERROR(
        CheckPresent(sql, dialect_, repo_id, m.repository, write.blobs, "blob_links", "blob"));
    RETURN_IF_ERROR(CheckPresent(sql, dialect_, repo_id, m.repository, write.children, "manifests",
                                 "manifest"));
    InsertManifest(sql, repo_id, m);
    InsertRefs(sql, repo_id, m.digest.str(), write.blobs, "blob");
    InsertRefs(sql, repo_id, m.digest.str(), write.children, "manifest");
    if (write.tag && !UpsertTag(sql, repo_id, *write.tag, m, write.tag_immutable)) {
      return PermissionDeniedError("tag " + *write.tag + " is immutable");  // rolls back
    }
    tx.Commit();
    return OkStatus();
  });
}

StatusOr<ManifestRecord> SqlMetadataStore::GetManifest(std::string_view repository,
                                                       const oci::Digest& digest) {
  return WithSession(*pool_, "get manifest", [&](soci::session& sql) -> StatusOr<ManifestRecord> {
    std::string repo(repository);
    ManifestRow row{.digest = digest.str()};
    if (!LoadManifest(sql, repo, &row)) {
      return NotFoundError("manifest " + row.digest + " unknown to repository " + repo);
    }
    return ToRecord(repo, row);
  });
}

StatusOr<ManifestRecord> SqlMetadataStore::GetTaggedManifest(std::string_view repository,
                                                             std::string_view tag) {
  return WithSession(*pool_, "get tagged manifest",
                     [&](soci::session& sql) -> StatusOr<ManifestRecord> {
                       std::string repo(repository);
                       std::string name(tag);
                       ManifestRow row;
                       sql << "SELECT t.manifest_digest FROM tags t JOIN repositories r "
                              "ON r.id = t.repository_id WHERE r.name = :repo AND t.name = :tag",
                           soci::use(repo), soci::use(name), soci::into(row.digest);
                       // A concurrent delete may remove the manifest between the two reads.
                       if (!sql.got_data() || !LoadManifest(sql, repo, &row)) {
                         return NotFoundError("tag " + name + " unknown to repository " + repo);
                       }
                       return ToRecord(repo, row);
                     });
}

namespace {

// The first tag on the manifest that `is_protected` holds for, or "".
std::string ProtectedTag(soci::session& sql, long long repo_id, const std::string& digest,
                         const TagPredicate& is_protected) {
  if (!is_protected) return "";
  soci::rowset<std::string> rows =
      (sql.prepare << "SELECT name FROM tags WHERE repository_id = :r AND manifest_digest = :d",
       soci::use(repo_id), soci::use(digest));
  for (const std::string& name : rows) {
    if (is_protected(name)) return name;
  }
  return "";
}

}  // namespace

Status SqlMetadataStore::DeleteManifest(std::string_view repository, const oci::Digest& digest,
                                        const TagPredicate& is_protected) {
  auto writer = WriterLock();
  return WithSession(*pool_, "delete manifest", [&](soci::session& sql) -> Status {
    std::string repo(repository);
    Status not_found = NotFoundError("manifest " + digest.str() + " unknown to repository " + repo);
    WriteTransaction tx(sql, dialect_);
    long long repo_id = 0;
    if (!FindRepository(sql, repo, &repo_id)) return not_found;
    std::string kept = ProtectedTag(sql, repo_id, digest.str(), is_protected);
    if (!kept.empty()) return PermissionDeniedError("tag " + kept + " is immutable");
    sql << "DELETE FROM tags WHERE repository_id = :r AND manifest_digest = :d", soci::use(repo_id),
        soci::use(digest.str());
    sql << "DELETE FROM manifest_refs WHERE repository_id = :r AND manifest_digest = :d",
        soci::use(repo_id), soci::use(digest.str());
    soci::statement st =
        (sql.prepare << "DELETE FROM manifests WHERE repository_id = :r AND digest = :d",
         soci::use(repo_id), soci::use(digest.str()));
    st.execute(true);
    if (st.get_affected_rows() == 0) return not_found;
    tx.Commit();
    return OkStatus();
  });
}

Status SqlMetadataStore::DeleteTag(std::string_view repository, std::string_view tag) {
  auto writer = WriterLock();
  return WithSession(*pool_, "delete tag", [&](soci::session& sql) -> Status {
    std::string repo(repository);
    std::string name(tag);
    soci::statement st = (sql.prepare << "DELETE FROM tags WHERE name = :tag AND repository_id = "
                                         "(SELECT id FROM repositories WHERE name = :repo)",
                          soci::use(name), soci::use(repo));
    st.execute(true);
    if (st.get_affected_rows() == 0) {
      return NotFoundError("tag " + name + " unknown to repository " + repo);
    }
    return OkStatus();
  });
}

StatusOr<std::vector<std::string>> SqlMetadataStore::ListTags(std::string_view repository,
                                                              const PageRequest& page) {
  return WithSession(
      *pool_, "list tags", [&](soci::session& sql) -> StatusOr<std::vector<std::string>> {
        std::string repo(repository);
        long long repo_id = 0;
        if (!FindRepository(sql, repo, &repo_id)) {
          return NotFoundError("repository " + repo + " unknown");
        }
        int limit = std::max(page.limit, 1);
        soci::rowset<std::string> rows =
            (sql.prepare << "SELECT name FROM tags WHERE repository_id = :r AND name > :last "
                            "ORDER BY name LIMIT :limit",
             soci::use(repo_id), soci::use(page.last), soci::use(limit));
        return std::vector<std::string>(rows.begin(), rows.end());
      });
}

StatusOr<std::vector<ManifestRecord>> SqlMetadataStore::ListReferrers(
    std::string_view repository, const oci::Digest& subject, std::string_view artifact_type) {
  return WithSession(
      *pool_, "list referrers", [&](soci::session& sql) -> StatusOr<std::vector<ManifestRecord>> {
        std::string repo(repository);
        std::string type(artifact_type);
        ManifestRow row;
        const char* query =
            "SELECT m.digest, m.media_type, m.artifact_type, m.annotations, m.size, m.created_at "
            "FROM manifests m JOIN repositories r ON r.id = m.repository_id "
            "WHERE r.name = :repo AND m.subject = :subject "
            "AND (:any_type = 1 OR m.artifact_type = :type) ORDER BY m.digest";
        int any_type = type.empty() ? 1 : 0;
        soci::statement st =
            (sql.prepare << query, soci::use(repo), soci::use(subject.str()), soci::use(any_type),
             soci::use(type), soci::into(row.digest), soci::into(row.media_type),
             soci::into(row.artifact_type), soci::into(row.annotations), soci::into(row.size),
             soci::into(row.created_at));
        st.execute();
        std::vector<ManifestRecord> referrers;
        while (st.fetch()) {
          ASSIGN_OR_RETURN(ManifestRecord record, ToRecord(repo, row));
          record.subject = subject;
          referrers.push_back(std::move(record));
        }
        return referrers;
      });
}

}  // namespace cangku::metadata
