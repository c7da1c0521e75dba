-- 0002: feed polling state that 0001 lacks.
-- baseline_pending: the next successful poll marks every current item as seen instead of announcing it
--   (set for a new feed and when a paused feed is resumed: no flood of old articles).
-- body_hash: SHA-256 of the last body parsed, so a server that ignores conditional requests and sends the same
--   bytes again costs a hash, not a parse.
ALTER TABLE feeds ADD COLUMN baseline_pending INTEGER NOT NULL DEFAULT 0 CHECK (baseline_pending IN (0, 1));
ALTER TABLE feeds ADD COLUMN body_hash TEXT;
-- due() filters on live subscriptions per feed.
CREATE INDEX subscriptions_feed ON subscriptions (feed_id, paused);
