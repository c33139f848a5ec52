-- Alerts: items seen from public sources, channel subscriptions, and the outbox of deliveries.
-- An outbox row is written in the same transaction as the item version it announces, and is
-- unique per (subscription, item, version): an alert is never lost and never posted twice.
CREATE TABLE alert_sources (
    name       TEXT PRIMARY KEY,
    seeded_at  TEXT,
    cursor     TEXT
);

CREATE TABLE alert_items (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    jurisdiction  TEXT NOT NULL,
    identifier    TEXT NOT NULL,
    title         TEXT NOT NULL,
    status        TEXT,
    status_date   TEXT,
    url           TEXT NOT NULL,
    published_at  TEXT,
    tags          TEXT NOT NULL,
    attribution   TEXT,
    content_hash  TEXT NOT NULL,
    version       INTEGER NOT NULL,
    first_seen_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX alert_items_published ON alert_items (published_at);

CREATE TABLE alert_subscriptions (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,
    kinds          TEXT NOT NULL,
    jurisdictions  TEXT NOT NULL,
    tags           TEXT NOT NULL,
    include_terms  TEXT NOT NULL,
    exclude_terms  TEXT NOT NULL,
    mode           TEXT NOT NULL,
    mention_role_id INTEGER,
    paused_reason  TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX alert_subscriptions_channel ON alert_subscriptions (channel_id);

CREATE TABLE alert_outbox (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES alert_subscriptions (id) ON DELETE CASCADE,
    item_id         INTEGER NOT NULL REFERENCES alert_items (id) ON DELETE CASCADE,
    item_version    INTEGER NOT NULL,
    change          TEXT NOT NULL,
    previous_status TEXT,
    nonce           TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    delivered_at    TEXT,
    message_id      INTEGER,
    UNIQUE (subscription_id, item_id, item_version)
);
CREATE INDEX alert_outbox_pending ON alert_outbox (delivered_at, next_attempt_at);
