-- 0008: when an article changes (new content hash), what was derived from the old version goes: its cached
-- summaries and the full text fetched from its page (fetched again on the next summary).
CREATE TRIGGER article_changed_invalidates AFTER UPDATE OF content_hash ON articles
WHEN OLD.content_hash IS NOT NEW.content_hash
BEGIN
    DELETE FROM summaries WHERE article_id = NEW.id;
    UPDATE articles SET text = NULL WHERE id = NEW.id;
END;
