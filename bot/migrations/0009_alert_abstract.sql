-- What an item does in its source's own words (a bill's abstract, a rule's summary, a docket
-- entry's text), shown as one line under the alert's title. NULL where the source has none.
ALTER TABLE alert_items ADD COLUMN abstract TEXT;
