// The user, project and member methods of SqlMetadataStore (IdentityStore; robots are in
// sql_robots.cc).
//
// A write that depends on another row existing (PutMember on its project and user) or that
// removes a row with its dependents (DeleteUser, DeleteProject) first locks that row in its
// transaction on PostgreSQL: FOR SHARE to depend on it, FOR UPDATE to delete it. So a delete
// racing a PutMember either waits for it and then removes the member it added, or wins and
// PutMember, which waited for the delete, finds no row (kNotFound). SQLite serializes write
// transactions (BEGIN IMMEDIATE), so a plain read suffices there. Duplicates are detected by
// INSERT ... ON CONFLICT DO NOTHING affecting no row, which is atomic on both engines.

#include <soci/soci.h>

#include <algorithm>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_session.h"

namespace cangku::metadata {
namespace {

// " FOR <mode>" (SHARE, UPDATE) on PostgreSQL, "" on SQLite: see the top of this file.
std::string RowLock(SqlDialect dialect, std::string_view mode) {
  return dialect == SqlDialect::kPostgres ? " FOR " + std::string(mode) : std::string();
}

// Whether `table` has a row named `name`, locking it with `lock` (RowLock) when there is one.
bool HasNamedRow(soci::session& sql, std::string_view table, const std::string& name,
                 const std::string& lock = "") {
  int one = 0;
  sql << "SELECT 1 FROM " << table << " WHERE name = :n" << lock, soci::use(name), soci::into(one);
  return sql.got_data();
}

// Users whose row matches `where` (with one text parameter :a), by name, at most `limit`.
std::vector<UserRecord> SelectUsers(soci::session& sql, std::string_view where,
                                    const std::string& a, int limit) {
  UserRecord user;
  int admin = 0, disabled = 0;
  long long credential_version = 0, created_at = 0, updated_at = 0;
  soci::statement st =
      (sql.prepare << "SELECT name, password_hash, admin, disabled, credential_version, "
                      "created_at, updated_at FROM users WHERE "
                   << where << " ORDER BY name LIMIT :limit",
       soci::use(a), soci::use(limit), soci::into(user.name), soci::into(user.password_hash),
       soci::into(admin), soci::into(disabled), soci::into(credential_version),
       soci::into(created_at), soci::into(updated_at));
  st.execute();
  std::vector<UserRecord> users;
  while (st.fetch()) {
    user.admin = admin != 0;
    user.disabled = disabled != 0;
    user.credential_version = credential_version;
    user.created_at = created_at;
    user.updated_at = updated_at;
    users.push_back(user);
  }
  return users;
}

// Projects whose row matches `where` (with one text parameter :a), by name, at most `limit`.
std::vector<ProjectRecord> SelectProjects(soci::session& sql, std::string_view where,
                                          const std::string& a, int limit) {
  ProjectRecord project;
  int is_public = 0;
  long long created_at = 0;
  soci::statement st =
      (sql.prepare << "SELECT name, is_public, owner, created_at FROM projects WHERE " << where
                   << " ORDER BY name LIMIT :limit",
       soci::use(a), soci::use(limit), soci::into(project.name), soci::into(is_public),
       soci::into(project.owner), soci::into(created_at));
  st.execute();
  std::vector<ProjectRecord> projects;
  while (st.fetch()) {
    project.is_public = is_public != 0;
    project.created_at = created_at;
    projects.push_back(project);
  }
  return projects;
}

// Members whose `column` equals `value`, ordered by `order_by`.
std::vector<MemberRecord> SelectMembers(soci::session& sql, std::string_view column,
                                        const std::string& value, std::string_view order_by) {
  MemberRecord member;
  long long created_at = 0;
  soci::statement st =
      (sql.prepare << "SELECT project, user_name, role, created_at FROM project_members WHERE "
                   << column << " = :v ORDER BY " << order_by,
       soci::use(value), soci::into(member.project), soci::into(member.user),
       soci::into(member.role), soci::into(created_at));
  st.execute();
  std::vector<MemberRecord> members;
  while (st.fetch()) {
    member.created_at = created_at;
    members.push_back(member);
  }
  return members;
}

}  // namespace

Status SqlMetadataStore::CreateUser(const UserRecord& user) {
  auto writer = WriterLock();
  return WithSession(*pool_, "create user", [&](soci::session& sql) -> Status {
    int admin = user.admin ? 1 : 0;
    int disabled = user.disabled ? 1 : 0;
    long long credential_version = user.credential_version;
    long long created_at = user.created_at;
    long long updated_at = user.updated_at;
    soci::statement st =
        (sql.prepare << "INSERT INTO users (name, password_hash, admin, disabled, "
                        "credential_version, created_at, updated_at) VALUES (:n, :p, :a, :d, :v, "
                        ":c, :u) ON CONFLICT DO NOTHING",
         soci::use(user.name), soci::use(user.password_hash), soci::use(admin), soci::use(disabled),
         soci::use(credential_version), soci::use(created_at), soci::use(updated_at));
    st.execute(true);
    if (st.get_affected_rows() == 0) return AlreadyExistsError("user " + user.name + " exists");
    return OkStatus();
  });
}

StatusOr<UserRecord> SqlMetadataStore::GetUser(std::string_view name) {
  return WithSession(*pool_, "get user", [&](soci::session& sql) -> StatusOr<UserRecord> {
    std::string key(name);
    std::vector<UserRecord> users = SelectUsers(sql, "name = :a", key, 1);
    if (users.empty()) return NotFoundError("user " + key + " unknown");
    return std::move(users.front());
  });
}

StatusOr<std::vector<UserRecord>> SqlMetadataStore::ListUsers(const PageRequest& page) {
  return WithSession(*pool_, "list users",
                     [&](soci::session& sql) -> StatusOr<std::vector<UserRecord>> {
                       return SelectUsers(sql, "name > :a", page.last, std::max(page.limit, 1));
                     });
}

Status SqlMetadataStore::UpdateUser(const UserRecord& user) {
  auto writer = WriterLock();
  return WithSession(*pool_, "update user", [&](soci::session& sql) -> Status {
    int admin = user.admin ? 1 : 0;
    int disabled = user.disabled ? 1 : 0;
    long long credential_version = user.credential_version;
    long long updated_at = user.updated_at;
    soci::statement st =
        (sql.prepare << "UPDATE users SET password_hash = :p, admin = :a, disabled = :d, "
                        "credential_version = :v, updated_at = :u WHERE name = :n",
         soci::use(user.password_hash), soci::use(admin), soci::use(disabled),
         soci::use(credential_version), soci::use(updated_at), soci::use(user.name));
    st.execute(true);
    if (st.get_affected_rows() == 0) return NotFoundError("user " + user.name + " unknown");
    return OkStatus();
  });
}

Status SqlMetadataStore::DeleteUser(std::string_view name) {
  auto writer = WriterLock();
  return WithSession(*pool_, "delete user", [&](soci::session& sql) -> Status {
    std::string key(name);
    WriteTransaction tx(sql, dialect_);
    if (!HasNamedRow(sql, "users", key, RowLock(dialect_, "UPDATE"))) {
      return NotFoundError("user " + key + " unknown");
    }
    sql << "DELETE FROM project_members WHERE user_name = :n", soci::use(key);
    sql << "DELETE FROM users WHERE name = :n", soci::use(key);
    tx.Commit();
    return OkStatus();
  });
}

Status SqlMetadataStore::CreateProject(const ProjectRecord& project) {
  auto writer = WriterLock();
  return WithSession(*pool_, "create project", [&](soci::session& sql) -> Status {
    int is_public = project.is_public ? 1 : 0;
    long long created_at = project.created_at;
    soci::statement st =
        (sql.prepare << "INSERT INTO projects (name, is_public, owner, created_at) VALUES (:n, "
                        ":p, :o, :c) ON CONFLICT DO NOTHING",
         soci::use(project.name), soci::use(is_public), soci::use(project.owner),
         soci::use(created_at));
    st.execute(true);
    if (st.get_affected_rows() == 0) {
      return AlreadyExistsError("project " + project.name + " exists");
    }
    return OkStatus();
  });
}

StatusOr<ProjectRecord> SqlMetadataStore::GetProject(std::string_view name) {
  return WithSession(*pool_, "get project", [&](soci::session& sql) -> StatusOr<ProjectRecord> {
    std::string key(name);
    std::vector<ProjectRecord> projects = SelectProjects(sql, "name = :a", key, 1);
    if (projects.empty()) return NotFoundError("project " + key + " unknown");
    return std::move(projects.front());
  });
}

StatusOr<std::vector<ProjectRecord>> SqlMetadataStore::ListProjects(const PageRequest& page) {
  return WithSession(*pool_, "list projects",
                     [&](soci::session& sql) -> StatusOr<std::vector<ProjectRecord>> {
                       return SelectProjects(sql, "name > :a", page.last, std::max(page.limit, 1));
                     });
}

Status SqlMetadataStore::UpdateProject(const ProjectRecord& project) {
  auto writer = WriterLock();
  return WithSession(*pool_, "update project", [&](soci::session& sql) -> Status {
    int is_public = project.is_public ? 1 : 0;
    soci::statement st =
        (sql.prepare << "UPDATE projects SET is_public = :p, owner = :o WHERE name = :n",
         soci::use(is_public), soci::use(project.owner), soci::use(project.name));
    st.execute(true);
    if (st.get_affected_rows() == 0) return NotFoundError("project " + project.name + " unknown");
    return OkStatus();
  });
}

Status SqlMetadataStore::DeleteProject(std::string_view name) {
  auto writer = WriterLock();
  return WithSession(*pool_, "delete project", [&](soci::session& sql) -> Status {
    std::string key(name);
    WriteTransaction tx(sql, dialect_);
    if (!HasNamedRow(sql, "projects", key, RowLock(dialect_, "UPDATE"))) {
      return NotFoundError("project " + key + " unknown");
    }
    sql << "DELETE FROM project_members WHERE project = :p", soci::use(key);
    sql << "DELETE FROM robots WHERE project = :p", soci::use(key);
    sql << "DELETE FROM project_policies WHERE project = :p", soci::use(key);
    sql << "DELETE FROM projects WHERE name = :p", soci::use(key);
    tx.Commit();
    return OkStatus();
  });
}

Status SqlMetadataStore::PutMember(const MemberRecord& member) {
  auto writer = WriterLock();
  return WithSession(*pool_, "put member", [&](soci::session& sql) -> Status {
    WriteTransaction tx(sql, dialect_);
    if (!HasNamedRow(sql, "projects", member.project, RowLock(dialect_, "SHARE"))) {
      return NotFoundError("project " + member.project + " unknown");
    }
    if (!HasNamedRow(sql, "users", member.user, RowLock(dialect_, "SHARE"))) {
      return NotFoundError("user " + member.user + " unknown");
    }
    // A changed role keeps the membership's original created_at.
    long long created_at = member.created_at;
    sql << "INSERT INTO project_members (project, user_name, role, created_at) VALUES (:p, :u, "
           ":r, :c) ON CONFLICT (project, user_name) DO UPDATE SET role = excluded.role",
        soci::use(member.project), soci::use(member.user), soci::use(member.role),
        soci::use(created_at);
    tx.Commit();
    return OkStatus();
  });
}

Status SqlMetadataStore::DeleteMember(std::string_view project, std::string_view user) {
  auto writer = WriterLock();
  return WithSession(*pool_, "delete member", [&](soci::session& sql) -> Status {
    std::string project_name(project);
    std::string user_name(user);
    soci::statement st =
        (sql.prepare << "DELETE FROM project_members WHERE project = :p AND user_name = :u",
         soci::use(project_name), soci::use(user_name));
    st.execute(true);
    if (st.get_affected_rows() == 0) {
      return NotFoundError("user " + user_name + " is no member of project " + project_name);
    }
    return OkStatus();
  });
}

StatusOr<std::vector<MemberRecord>> SqlMetadataStore::ListMembers(std::string_view project) {
  return WithSession(*pool_, "list members",
                     [&](soci::session& sql) -> StatusOr<std::vector<MemberRecord>> {
                       std::string key(project);
                       if (!HasNamedRow(sql, "projects", key)) {
                         return NotFoundError("project " + key + " unknown");
                       }
                       return SelectMembers(sql, "project", key, "user_name");
                     });
}

StatusOr<std::vector<MemberRecord>> SqlMetadataStore::ListMemberships(std::string_view user) {
  return WithSession(*pool_, "list memberships",
                     [&](soci::session& sql) -> StatusOr<std::vector<MemberRecord>> {
                       return SelectMembers(sql, "user_name", std::string(user), "project");
                     });
}

}  // namespace cangku::metadata
