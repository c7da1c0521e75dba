-- What became of every feed item, per channel that follows the feed: "why was this (not) posted?"
-- One row per subscription and item (by URL); the post itself, when there is one, is found in `posts`.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    article_id      INTEGER REFERENCES articles (id) ON DELETE SET NULL,
    url             TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    fate            TEXT NOT NULL CHECK (fate IN ('queued', 'baseline', 'filtered', 'duplicate', 'paused', 'older', 'skipped')),
    detail          TEXT,                       -- which filter rule, which earlier article, ...
    created_at      REAL NOT NULL,
    UNIQUE (subscription_id, url)
);
CREATE INDEX deliveries_subscription_time ON deliveries (subscription_id, created_at);
