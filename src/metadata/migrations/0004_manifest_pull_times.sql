-- Cangku metadata schema, version 4: when each manifest was last pulled.
--
-- Retention policies keep the tags pulled in the last days. The registry notes manifest GETs in
-- memory and writes them here in batches every few seconds, so the column lags pulls by that
-- much. 0 means "never pulled" (or pulled only before this migration).

ALTER TABLE manifests ADD COLUMN last_pulled_at BIGINT NOT NULL DEFAULT 0;
