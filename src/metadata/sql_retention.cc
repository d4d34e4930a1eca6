// The retention methods of SqlMetadataStore: tags with their push times, last-pull times, and
// the conditional tag delete. See sql_lifecycle.cc for how conditional deletes stay correct
// under concurrent pushes.

#include <soci/soci.h>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_session.h"

namespace cangku::metadata {

Status SqlMetadataStore::ForEachTag(const std::function<Status(const TagRow&)>& fn) {
  return WithSession(*pool_, "list tags", [&](soci::session& sql) -> Status {
    std::string repository, name, digest;
    long long updated_at = 0;
    soci::statement st =
        (sql.prepare << "SELECT r.name, t.name, t.manifest_digest, t.updated_at FROM tags t "
                        "JOIN repositories r ON r.id = t.repository_id",
         soci::into(repository), soci::into(name), soci::into(digest), soci::into(updated_at));
    st.execute();
    while (st.fetch()) {
      ASSIGN_OR_RETURN(oci::Digest parsed, ParseStoredDigest(digest));
      RETURN_IF_ERROR(fn(TagRow{repository, name, std::move(parsed), updated_at}));
    }
    return OkStatus();
  });
}

Status SqlMetadataStore::RecordPulls(const std::vector<PullRow>& pulls, int64_t now) {
  if (pulls.empty()) return OkStatus();
  auto writer = WriterLock();
  return WithSession(*pool_, "record pulls", [&](soci::session& sql) -> Status {
    WriteTransaction tx(sql, dialect_);
    long long at = now;
    long long fresh_since = now - kPullTimeResolutionSeconds;
    std::string digest, repository;
    // Prepared once for the batch: a flush under a pull load holds thousands of rows, and
    // parsing the statement for each cost about as much as the update (a CPU burst long enough
    // to delay the I/O threads by tens of milliseconds).
    soci::statement update =
        (sql.prepare << "UPDATE manifests SET last_pulled_at = :t WHERE digest = :d AND "
                        "repository_id = (SELECT id FROM repositories WHERE name = :r) AND "
                        "last_pulled_at <= :fresh",
         soci::use(at), soci::use(digest), soci::use(repository), soci::use(fresh_since));
    for (const PullRow& pull : pulls) {
      digest = pull.digest;
      repository = pull.repository;
      update.execute(true);
    }
    tx.Commit();
    return OkStatus();
  });
}

StatusOr<bool> SqlMetadataStore::DeleteTagIfUnchanged(const TagRow& tag) {
  auto writer = WriterLock();
  return WithSession(*pool_, "delete tag", [&](soci::session& sql) -> StatusOr<bool> {
    std::string digest = tag.digest.str();
    long long updated_at = tag.updated_at;
    soci::statement st =
        (sql.prepare << "DELETE FROM tags WHERE name = :tag AND manifest_digest = :d AND "
                        "updated_at = :u AND repository_id = "
                        "(SELECT id FROM repositories WHERE name = :repo)",
         soci::use(tag.name), soci::use(digest), soci::use(updated_at), soci::use(tag.repository));
    st.execute(true);
    return st.get_affected_rows() > 0;
  });
}

}  // namespace cangku::metadata
