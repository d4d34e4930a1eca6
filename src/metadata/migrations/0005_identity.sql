-- Cangku metadata schema, version 5: users, projects, members, robot accounts and the audit log.
--
-- Flags are INTEGER 0/1 (SQLite has no BOOLEAN; the same binding then works on both engines).
-- Members reference users and projects by name. The foreign keys are enforced on both engines
-- (SQLite connections set PRAGMA foreign_keys=ON) but do not cascade: DeleteUser and
-- DeleteProject delete the dependent rows themselves, in the same transaction. Robots have no
-- foreign key because a system robot's project is ''; DeleteProject deletes them too.
-- A project's row in project_policies (version 3) predates this table and has no foreign key.

CREATE TABLE users (
  name TEXT {{BYTE_ORDER}} PRIMARY KEY,
  password_hash TEXT NOT NULL,
  admin INTEGER NOT NULL CHECK (admin IN (0, 1)),
  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  credential_version BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE projects (
  name TEXT {{BYTE_ORDER}} PRIMARY KEY,
  is_public INTEGER NOT NULL CHECK (is_public IN (0, 1)),
  owner TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

-- "user" is reserved in PostgreSQL, hence user_name.
CREATE TABLE project_members (
  project TEXT {{BYTE_ORDER}} NOT NULL REFERENCES projects (name),
  user_name TEXT {{BYTE_ORDER}} NOT NULL REFERENCES users (name),
  role TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (project, user_name)
);
-- ListMemberships and DeleteUser look members up by user.
CREATE INDEX project_members_user ON project_members (user_name, project);

-- `project` is '' for a system robot.
CREATE TABLE robots (
  name TEXT {{BYTE_ORDER}} PRIMARY KEY,
  project TEXT {{BYTE_ORDER}} NOT NULL,
  description TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  permissions TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  credential_version BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX robots_project ON robots (project, name);

-- Append-only; read newest (highest id) first, optionally filtered by actor, project or action,
-- each of which has an index ending in id so that a filtered page is an index range scan.
CREATE TABLE audit_log (
  id {{AUTO_ID}},
  time BIGINT NOT NULL,
  actor TEXT NOT NULL,
  address TEXT NOT NULL,
  action TEXT NOT NULL,
  project TEXT NOT NULL,
  resource TEXT NOT NULL,
  result TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_project ON audit_log (project, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
