-- An item's entry fingerprint (the hash of the feed entry's bytes it was read from) gets its own
-- column, indexed with the source, so a poll looks its page's fingerprints up directly and
-- leaves the entries it finds unread, without first reading each entry's link and guid.
-- Until now the fingerprint followed the content hash in content_hash ("<sha256 hex>:<fp>");
-- it moves here, and content_hash keeps the content hash alone.
ALTER TABLE alert_items ADD COLUMN entry_hash TEXT;
UPDATE alert_items SET entry_hash = substr(content_hash, 66), content_hash = substr(content_hash, 1, 64)
WHERE length(content_hash) > 65;
CREATE INDEX alert_items_entry ON alert_items (source, entry_hash) WHERE entry_hash IS NOT NULL;
