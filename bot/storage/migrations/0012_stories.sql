-- 0012: story clustering (issue 15). Which story each article posted to a channel belongs to: the story is
-- named by the article that opened it (its post and thread are the story's), so an opener's row points at
-- itself. One row per article and channel: a later decision never moves an article to another story.
CREATE TABLE story_members (
    channel_id       INTEGER NOT NULL,
    article_id       INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    story_article_id INTEGER NOT NULL,
    score            REAL,                  -- the match score; NULL for the article that opened the story
    assigned_at      REAL NOT NULL,
    PRIMARY KEY (channel_id, article_id)
);
CREATE INDEX story_members_story ON story_members (channel_id, story_article_id);
CREATE INDEX story_members_recent ON story_members (channel_id, assigned_at);

-- Per subscription: whether its articles may be merged into the channel's stories, and the window. A
-- subscription without a row has the defaults (on, 36 hours). Its own table, so `subscriptions` rows keep
-- their shape.
CREATE TABLE story_settings (
    subscription_id INTEGER PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
    enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    window_hours    REAL NOT NULL DEFAULT 36 CHECK (window_hours > 0)
);
