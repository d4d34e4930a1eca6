// The project policy methods of SqlMetadataStore.

#include <soci/soci.h>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_session.h"

namespace cangku::metadata {

StatusOr<std::optional<std::string>> SqlMetadataStore::GetProjectPolicy(std::string_view project) {
  return WithSession(*pool_, "get project policy",
                     [&](soci::session& sql) -> StatusOr<std::optional<std::string>> {
                       std::string name(project);
                       std::string policy;
                       sql << "SELECT policy FROM project_policies WHERE project = :p",
                           soci::use(name), soci::into(policy);
                       if (!sql.got_data()) return std::optional<std::string>();
                       return std::optional<std::string>(std::move(policy));
                     });
}

Status SqlMetadataStore::PutProjectPolicy(std::string_view project, std::string_view policy_json,
                                          int64_t now) {
  auto writer = WriterLock();
  return WithSession(*pool_, "put project policy", [&](soci::session& sql) -> Status {
    std::string name(project);
    std::string policy(policy_json);
    long long updated_at = now;
    sql << "INSERT INTO project_policies (project, policy, updated_at) VALUES (:p, :j, :t) "
           "ON CONFLICT (project) DO UPDATE SET policy = excluded.policy, "
           "updated_at = excluded.updated_at",
        soci::use(name), soci::use(policy), soci::use(updated_at);
    return OkStatus();
  });
}

StatusOr<int64_t> SqlMetadataStore::ProjectUsage(std::string_view project) {
  return WithSession(*pool_, "project usage", [&](soci::session& sql) -> StatusOr<int64_t> {
    std::string name(project);
    // "p/" <= name < "p0" selects "p/..." ('0' follows '/'), by the byte order of the column,
    // and lets the engine range-scan the unique index on repositories.name.
    std::string lo = name + "/";
    std::string hi = name + "0";
    long long usage = 0;
    sql << "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM (SELECT l.digest, MAX(l.size) AS "
           "size FROM blob_links l JOIN repositories r ON r.id = l.repository_id WHERE r.name = "
           ":p OR (r.name >= :lo AND r.name < :hi) GROUP BY l.digest) u",
        soci::use(name), soci::use(lo), soci::use(hi), soci::into(usage);
    return static_cast<int64_t>(usage);
  });
}

}  // namespace cangku::metadata
