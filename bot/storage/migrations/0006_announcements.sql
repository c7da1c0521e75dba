-- 0006: an outbox of articles to announce, written by triggers in the same statement that stores the article,
-- so a crash between "article stored" and "posts reserved" cannot lose a story.
-- Articles stored while their feed takes its baseline (new feed, resumed feed) are the past: not announced.
CREATE TABLE announcements (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('new', 'updated')),
    created_at REAL NOT NULL
);

CREATE TRIGGER announce_new_article AFTER INSERT ON articles
WHEN NEW.feed_id IS NOT NULL
 AND (SELECT baseline_pending FROM feeds WHERE id = NEW.feed_id) = 0
BEGIN
    INSERT OR IGNORE INTO announcements (article_id, kind, created_at) VALUES (NEW.id, 'new', NEW.first_seen_at);
END;

CREATE TRIGGER announce_updated_article AFTER UPDATE OF content_hash ON articles
WHEN NEW.feed_id IS NOT NULL AND OLD.content_hash IS NOT NEW.content_hash
 AND (SELECT baseline_pending FROM feeds WHERE id = NEW.feed_id) = 0
BEGIN
    INSERT OR IGNORE INTO announcements (article_id, kind, created_at) VALUES (NEW.id, 'updated', NEW.updated_at);
END;

CREATE INDEX posts_pending ON posts (guild_id) WHERE message_id IS NULL;
