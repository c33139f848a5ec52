-- The RSS feed a podcast pledge is checked in: given with a Spotify link, or found through
-- Apple's lookup API for an Apple Podcasts link (then stored so the lookup runs once).
ALTER TABLE pledges ADD COLUMN feed_url TEXT;
