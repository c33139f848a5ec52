-- Indexes that match the queries the bot runs, and no others: every index is written for every
-- one of the 100,000s of items and outbox rows a busy poll can store.
-- alert_items_published and alert_items_kind served no query (items are read by key, by id and
-- newest-first among the relevant ones); the newest-relevant reads (/alerts latest, previews)
-- get a partial index that holds only the relevant items.
DROP INDEX alert_items_published;
DROP INDEX alert_items_kind;
CREATE INDEX alert_items_relevant_updated ON alert_items (updated_at) WHERE relevant = 1;
-- A subscription's rows are found through UNIQUE (subscription_id, item_id, item_version), whose
-- first column is the subscription; the poster's due rows through a partial index that holds
-- only the rows still to send (delivered and dropped ones are most of the table and leave it).
DROP INDEX alert_outbox_subscription;
DROP INDEX alert_outbox_pending;
CREATE INDEX alert_outbox_open ON alert_outbox (id)
    WHERE delivered_at IS NULL AND dropped_at IS NULL;
