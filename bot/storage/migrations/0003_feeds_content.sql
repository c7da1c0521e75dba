-- 0003: indexes for article lookups by recency (ArticleStore.search with an empty or short query, recent()).
-- Articles without a feed date sort by when they were first seen.
CREATE INDEX articles_recent ON articles (COALESCE(published_at, first_seen_at));
CREATE INDEX articles_feed_recent ON articles (feed_id, COALESCE(published_at, first_seen_at));
