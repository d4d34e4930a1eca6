-- Cangku metadata schema, version 1.
--
-- Written in the SQL that SQLite (>= 3.24) and PostgreSQL (>= 11) both accept, with two
-- placeholders the migration runner substitutes per dialect (see migrations.h):
--   {{AUTO_ID}}      an auto-assigned 64-bit integer primary key
--   {{BYTE_ORDER}}   a collation that orders text by bytes (PostgreSQL: COLLATE "C"), so that
--                    paging by name is the same lexical order on both engines
-- Statements are separated by ';' at the end of a line; no ';' may appear inside a statement.
--
-- Manifest content is stored as TEXT: manifests are JSON, hence UTF-8, and the registry parses
-- them before storing. TEXT would not be safe for arbitrary bytes (PostgreSQL rejects NUL and
-- invalid UTF-8); a future non-JSON manifest type would need a BLOB/BYTEA column.
-- Times are Unix seconds supplied by the caller.

CREATE TABLE repositories (
  id {{AUTO_ID}},
  name TEXT {{BYTE_ORDER}} NOT NULL UNIQUE
);

CREATE TABLE blob_links (
  repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  digest TEXT {{BYTE_ORDER}} NOT NULL,
  size BIGINT NOT NULL,
  PRIMARY KEY (repository_id, digest)
);
-- Blobs are global: FindBlob looks a digest up across repositories.
CREATE INDEX blob_links_digest ON blob_links (digest);

CREATE TABLE manifests (
  repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  digest TEXT {{BYTE_ORDER}} NOT NULL,
  media_type TEXT NOT NULL,
  artifact_type TEXT NOT NULL,
  subject TEXT,
  annotations TEXT NOT NULL,
  content TEXT NOT NULL,
  size BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (repository_id, digest)
);
CREATE INDEX manifests_subject ON manifests (repository_id, subject);

-- What each manifest references, for garbage collection: kind 'blob' (config, layers) or
-- 'manifest' (index entries).
CREATE TABLE manifest_refs (
  repository_id BIGINT NOT NULL,
  manifest_digest TEXT {{BYTE_ORDER}} NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('blob', 'manifest')),
  child_digest TEXT {{BYTE_ORDER}} NOT NULL,
  PRIMARY KEY (repository_id, manifest_digest, kind, child_digest),
  FOREIGN KEY (repository_id, manifest_digest)
    REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
);
CREATE INDEX manifest_refs_child ON manifest_refs (child_digest);

CREATE TABLE tags (
  repository_id BIGINT NOT NULL,
  name TEXT {{BYTE_ORDER}} NOT NULL,
  manifest_digest TEXT {{BYTE_ORDER}} NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (repository_id, name),
  FOREIGN KEY (repository_id, manifest_digest)
    REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
);
CREATE INDEX tags_manifest ON tags (repository_id, manifest_digest);

CREATE TABLE uploads (
  id TEXT PRIMARY KEY,
  repository TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX uploads_created_at ON uploads (created_at);
