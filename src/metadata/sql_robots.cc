// The robot account methods of SqlMetadataStore (IdentityStore).
//
// CreateRobot depends on its project existing: on PostgreSQL it locks the project's row FOR SHARE,
// so that a racing DeleteProject (which locks it FOR UPDATE before deleting the project's robots)
// either waits and then deletes the new robot too, or wins and CreateRobot finds no project.
// SQLite serializes write transactions, so a plain read suffices there.

#include <soci/soci.h>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_session.h"

namespace cangku::metadata {
namespace {

// The columns of `robots` that hold a RobotRecord, bound in this order by RobotRow.
constexpr std::string_view kRobotColumns =
    "name, project, description, secret_hash, permissions, expires_at, disabled, "
    "credential_version, created_by, created_at, updated_at";

// A RobotRecord in the types SOCI binds: the strings in `robot` (when read), the rest as fields.
struct RobotRow {
  RobotRecord robot;
  long long expires_at = 0;
  int disabled = 0;
  long long credential_version = 0;
  long long created_at = 0;
  long long updated_at = 0;

  RobotRow() = default;
  // For a write, which binds the strings of `r` itself.
  explicit RobotRow(const RobotRecord& r)
      : expires_at(r.expires_at),
        disabled(r.disabled ? 1 : 0),
        credential_version(r.credential_version),
        created_at(r.created_at),
        updated_at(r.updated_at) {}

  RobotRecord ToRecord() const {
    RobotRecord r = robot;
    r.expires_at = expires_at;
    r.disabled = disabled != 0;
    r.credential_version = credential_version;
    r.created_at = created_at;
    r.updated_at = updated_at;
    return r;
  }
};

// Robots whose `column` equals `value`, by name.
std::vector<RobotRecord> SelectRobots(soci::session& sql, std::string_view column,
                                      const std::string& value) {
  RobotRow row;
  RobotRecord& r = row.robot;
  soci::statement st =
      (sql.prepare << "SELECT " << kRobotColumns << " FROM robots WHERE " << column
                   << " = :v ORDER BY name",
       soci::use(value), soci::into(r.name), soci::into(r.project), soci::into(r.description),
       soci::into(r.secret_hash), soci::into(r.permissions_json), soci::into(row.expires_at),
       soci::into(row.disabled), soci::into(row.credential_version), soci::into(r.created_by),
       soci::into(row.created_at), soci::into(row.updated_at));
  st.execute();
  std::vector<RobotRecord> robots;
  while (st.fetch()) robots.push_back(row.ToRecord());
  return robots;
}

// Whether project `name` exists; on PostgreSQL its row is then locked FOR SHARE.
bool LockProject(soci::session& sql, SqlDialect dialect, const std::string& name) {
  int one = 0;
  const char* lock = dialect == SqlDialect::kPostgres ? " FOR SHARE" : "";
  sql << "SELECT 1 FROM projects WHERE name = :n" << lock, soci::use(name), soci::into(one);
  return sql.got_data();
}

}  // namespace

Status SqlMetadataStore::CreateRobot(const RobotRecord& robot) {
  auto writer = WriterLock();
  return WithSession(*pool_, "create robot", [&](soci::session& sql) -> Status {
    WriteTransaction tx(sql, dialect_);
    if (!robot.project.empty() && !LockProject(sql, dialect_, robot.project)) {
      return NotFoundError("project " + robot.project + " unknown");
    }
    RobotRow row(robot);
    soci::statement st =
        (sql.prepare << "INSERT INTO robots (" << kRobotColumns
                     << ") VALUES (:n, :p, :de, :s, :pe, :e, :di, :v, :cb, :c, :u) "
                        "ON CONFLICT DO NOTHING",
         soci::use(robot.name), soci::use(robot.project), soci::use(robot.description),
         soci::use(robot.secret_hash), soci::use(robot.permissions_json), soci::use(row.expires_at),
         soci::use(row.disabled), soci::use(row.credential_version), soci::use(robot.created_by),
         soci::use(row.created_at), soci::use(row.updated_at));
    st.execute(true);
    if (st.get_affected_rows() == 0) return AlreadyExistsError("robot " + robot.name + " exists");
    tx.Commit();
    return OkStatus();
  });
}

StatusOr<RobotRecord> SqlMetadataStore::GetRobot(std::string_view name) {
  return WithSession(*pool_, "get robot", [&](soci::session& sql) -> StatusOr<RobotRecord> {
    std::string key(name);
    std::vector<RobotRecord> robots = SelectRobots(sql, "name", key);
    if (robots.empty()) return NotFoundError("robot " + key + " unknown");
    return std::move(robots.front());
  });
}

StatusOr<std::vector<RobotRecord>> SqlMetadataStore::ListRobots(std::string_view project) {
  return WithSession(*pool_, "list robots",
                     [&](soci::session& sql) -> StatusOr<std::vector<RobotRecord>> {
                       return SelectRobots(sql, "project", std::string(project));
                     });
}

Status SqlMetadataStore::UpdateRobot(const RobotRecord& robot) {
  auto writer = WriterLock();
  return WithSession(*pool_, "update robot", [&](soci::session& sql) -> Status {
    RobotRow row(robot);
    soci::statement st =
        (sql.prepare << "UPDATE robots SET description = :de, secret_hash = :s, permissions = "
                        ":pe, expires_at = :e, disabled = :di, credential_version = :v, "
                        "updated_at = :u WHERE name = :n",
         soci::use(robot.description), soci::use(robot.secret_hash),
         soci::use(robot.permissions_json), soci::use(row.expires_at), soci::use(row.disabled),
         soci::use(row.credential_version), soci::use(row.updated_at), soci::use(robot.name));
    st.execute(true);
    if (st.get_affected_rows() == 0) return NotFoundError("robot " + robot.name + " unknown");
    return OkStatus();
  });
}

Status SqlMetadataStore::DeleteRobot(std::string_view name) {
  auto writer = WriterLock();
  return WithSession(*pool_, "delete robot", [&](soci::session& sql) -> Status {
    std::string key(name);
    soci::statement st = (sql.prepare << "DELETE FROM robots WHERE name = :n", soci::use(key));
    st.execute(true);
    if (st.get_affected_rows() == 0) return NotFoundError("robot " + key + " unknown");
    return OkStatus();
  });
}

}  // namespace cangku::metadata
