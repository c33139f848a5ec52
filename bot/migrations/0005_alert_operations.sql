-- Alerts in operation: source health and request budgets, tracked court cases, admin-added
-- feeds, regex filters, paused subscriptions and daily digests, and outbox rows dropped
-- (rather than posted late) after a long pause.
ALTER TABLE alert_sources ADD COLUMN last_success_at TEXT;
ALTER TABLE alert_sources ADD COLUMN last_error_at TEXT;
ALTER TABLE alert_sources ADD COLUMN last_error TEXT;
ALTER TABLE alert_sources ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_sources ADD COLUMN unhealthy_since TEXT;
ALTER TABLE alert_sources ADD COLUMN next_poll_at TEXT;
ALTER TABLE alert_sources ADD COLUMN budget_hour TEXT;
ALTER TABLE alert_sources ADD COLUMN budget_hour_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_sources ADD COLUMN budget_day TEXT;
ALTER TABLE alert_sources ADD COLUMN budget_day_used INTEGER NOT NULL DEFAULT 0;

ALTER TABLE alert_subscriptions ADD COLUMN pattern TEXT;
ALTER TABLE alert_subscriptions ADD COLUMN paused_at TEXT;
ALTER TABLE alert_subscriptions ADD COLUMN last_digest_on TEXT;

ALTER TABLE alert_outbox ADD COLUMN dropped_at TEXT;
-- When a send was last attempted: after a crash, a send older than Discord's nonce memory is
-- looked for in the channel before it is tried again.
ALTER TABLE alert_outbox ADD COLUMN sending_at TEXT;
-- Whether the topic matcher (or a tracked docket) made the item worth posting; kept for /alerts latest.
ALTER TABLE alert_items ADD COLUMN relevant INTEGER NOT NULL DEFAULT 1;
CREATE INDEX alert_outbox_subscription ON alert_outbox (subscription_id, delivered_at);
CREATE INDEX alert_items_kind ON alert_items (kind, jurisdiction, first_seen_at);

CREATE TABLE alert_tracked_cases (
    docket_id  INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    added_by   INTEGER,
    added_at   TEXT NOT NULL
);
INSERT INTO alert_tracked_cases (docket_id, name, added_at) VALUES
    (68117049, 'The New York Times Co. v. Microsoft Corp.', '2026-11-26T00:00:00+00:00'),
    (69879510, 'In re OpenAI, Inc. Copyright Infringement Litigation (MDL 3143)', '2026-11-26T00:00:00+00:00'),
    (69058235, 'Bartz v. Anthropic PBC', '2026-11-26T00:00:00+00:00'),
    (67569326, 'Kadrey v. Meta Platforms, Inc.', '2026-11-26T00:00:00+00:00');

CREATE TABLE alert_feeds (
    id        INTEGER PRIMARY KEY,
    url       TEXT NOT NULL UNIQUE,
    title     TEXT NOT NULL,
    added_by  INTEGER,
    added_at  TEXT NOT NULL
);
INSERT INTO alert_feeds (url, title, added_at) VALUES
    ('https://chatgptiseatingtheworld.com/feed/', 'ChatGPT Is Eating the World', '2026-11-26T00:00:00+00:00');
