-- Cangku metadata schema, version 2: when each blob link was made.
--
-- Garbage collection keeps an unreferenced link for a grace period after it was made (a client
-- uploads the blobs first and the manifest that references them last). Links made before this
-- migration get 0, that is "long ago": unreferenced ones are collectable at once.

ALTER TABLE blob_links ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
