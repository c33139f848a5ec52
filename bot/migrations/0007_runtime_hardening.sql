-- Hardening: an admin's regex that keeps running over its time limit is counted and, after a few
-- polls in a row, switched off; bad records a source sends are skipped and counted per source.
ALTER TABLE alert_subscriptions ADD COLUMN pattern_strikes INTEGER NOT NULL DEFAULT 0;

ALTER TABLE alert_sources ADD COLUMN records_skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_sources ADD COLUMN last_skipped_at TEXT;
ALTER TABLE alert_sources ADD COLUMN last_skipped TEXT;

CREATE INDEX pledges_guild_status ON pledges (guild_id, status, signed_at);
