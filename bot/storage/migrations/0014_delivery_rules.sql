-- Issue 15 point 4: per-subscription filter rules (bot/feeds/rules.py text form) combined with AND ('all') or
-- OR ('any'), a daily cap and a minimum gap between posts; articles keep their feed categories for the rules.
ALTER TABLE subscriptions ADD COLUMN filter_rules TEXT;
ALTER TABLE subscriptions ADD COLUMN filter_match TEXT NOT NULL DEFAULT 'all' CHECK (filter_match IN ('all', 'any'));
ALTER TABLE subscriptions ADD COLUMN daily_cap INTEGER CHECK (daily_cap IS NULL OR daily_cap > 0);
ALTER TABLE subscriptions ADD COLUMN min_gap_minutes INTEGER CHECK (min_gap_minutes IS NULL OR min_gap_minutes > 0);
ALTER TABLE articles ADD COLUMN categories TEXT NOT NULL DEFAULT '';
-- A new fate, "capped" (and "merged", for story clustering), needs the CHECK rebuilt: SQLite cannot alter it.
CREATE TABLE deliveries_new (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    article_id      INTEGER REFERENCES articles (id) ON DELETE SET NULL,
    url             TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    fate            TEXT NOT NULL CHECK (fate IN ('queued', 'baseline', 'filtered', 'duplicate', 'paused', 'older',
                                                  'skipped', 'capped', 'merged')),
    detail          TEXT,
    created_at      REAL NOT NULL,
    UNIQUE (subscription_id, url)
);
INSERT INTO deliveries_new (id, subscription_id, article_id, url, title, fate, detail, created_at)
    SELECT id, subscription_id, article_id, url, title, fate, detail, created_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_subscription_time ON deliveries (subscription_id, created_at);
