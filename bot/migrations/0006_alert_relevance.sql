-- Alert relevance tiers: each item version records its tier ('creators' or 'ai-policy'; NULL when
-- unrelated, or for items stored before tiers until the service judges them again at start-up)
-- and the short reasons it matched ('digital replica · likeness').
ALTER TABLE alert_items ADD COLUMN tier TEXT;
ALTER TABLE alert_items ADD COLUMN reasons TEXT NOT NULL DEFAULT '';

-- What a subscription hears of: 'creators' (AI with a creator context) or 'all-ai'. Existing
-- subscriptions were made when every AI bill was posted; they become 'creators', the feed members
-- asked for. An admin who wants the wider stream re-subscribes with scope all-ai.
ALTER TABLE alert_subscriptions ADD COLUMN scope TEXT NOT NULL DEFAULT 'creators';

-- "Not relevant" marks from server managers on posted alerts, one per server and item. The item's
-- title, tier and reasons are copied: the marks outlive pruning, and they are what tunes the terms.
CREATE TABLE alert_misses (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    item_id     INTEGER NOT NULL,
    item_version INTEGER NOT NULL,
    identifier  TEXT NOT NULL,
    title       TEXT NOT NULL,
    url         TEXT NOT NULL,
    tier        TEXT,
    reasons     TEXT NOT NULL,
    marked_by   INTEGER NOT NULL,
    marked_at   TEXT NOT NULL,
    UNIQUE (guild_id, item_id)
);
CREATE INDEX alert_misses_guild ON alert_misses (guild_id, marked_at);
