-- 0006 on PostgreSQL: the same outbox, its triggers written as PL/pgSQL functions (see the SQLite file).
CREATE TABLE announcements (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('new', 'updated')),
    created_at DOUBLE PRECISION NOT NULL
);

CREATE FUNCTION announce_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.feed_id IS NOT NULL AND (SELECT baseline_pending FROM feeds WHERE id = NEW.feed_id) = 0 THEN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO announcements (article_id, kind, created_at) VALUES (NEW.id, 'new', NEW.first_seen_at)
            ON CONFLICT DO NOTHING;
        ELSIF OLD.content_hash IS DISTINCT FROM NEW.content_hash THEN
            INSERT INTO announcements (article_id, kind, created_at) VALUES (NEW.id, 'updated', NEW.updated_at)
            ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER announce_new_article AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION announce_article();
CREATE TRIGGER announce_updated_article AFTER UPDATE OF content_hash ON articles
    FOR EACH ROW EXECUTE FUNCTION announce_article();

CREATE INDEX posts_pending ON posts (guild_id) WHERE message_id IS NULL;
