-- Small key/value facts the bot keeps about itself (for example the hash of the last
-- application-command sync, so commands are only re-registered when they changed).
CREATE TABLE bot_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
