-- Creator pledges: one per Discord user, with the consent record (pledge text version and hash,
-- when it was agreed). Withdrawing deletes the row; pledge_events keeps only an anonymous trail.
CREATE TABLE pledges (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL UNIQUE,
    guild_id         INTEGER,
    creator_type     TEXT NOT NULL,
    public_name      TEXT NOT NULL,
    channel_url      TEXT NOT NULL,
    channel_key      TEXT NOT NULL,
    audience         TEXT,
    show_on_wall     INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL,
    review_reason    TEXT,
    verify_code      TEXT NOT NULL,
    pledge_version   TEXT NOT NULL,
    pledge_text_hash TEXT NOT NULL,
    signed_at        TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    verified_at      TEXT,
    verified_by      TEXT
);
CREATE INDEX pledges_channel_key ON pledges (channel_key);
CREATE INDEX pledges_status ON pledges (status, signed_at);

CREATE TABLE pledge_events (
    id           INTEGER PRIMARY KEY,
    event        TEXT NOT NULL,
    creator_type TEXT NOT NULL,
    at           TEXT NOT NULL
);

CREATE TABLE pledge_milestones (
    milestone  INTEGER PRIMARY KEY,
    reached_at TEXT NOT NULL
);
