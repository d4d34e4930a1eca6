-- Cangku metadata schema, version 3: per-project policies.
--
-- A project is the first path component of a repository name ("library" in "library/debian").
-- `policy` is a JSON document the policy features interpret (see features/policy).

CREATE TABLE project_policies (
  project TEXT {{BYTE_ORDER}} PRIMARY KEY,
  policy TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
