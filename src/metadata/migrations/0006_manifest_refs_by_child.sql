-- Cangku metadata schema, version 6: manifest references looked up by repository and child.
--
-- Garbage collection's conditional deletes ask, per candidate, whether any manifest of the
-- repository still references a blob (or lists a manifest). The primary key of manifest_refs
-- begins with (repository_id, manifest_digest) and manifest_refs_child holds the child alone;
-- SQLite chose the primary key for these lookups and scanned every reference of the repository
-- for each candidate. This index answers them with one seek on both engines.

CREATE INDEX manifest_refs_repository_child ON manifest_refs (repository_id, child_digest, kind);
