-- 0008 on PostgreSQL: the same rule as a PL/pgSQL trigger (see the SQLite file).
CREATE FUNCTION article_changed_invalidates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.content_hash IS DISTINCT FROM NEW.content_hash THEN
        DELETE FROM summaries WHERE article_id = NEW.id;
        UPDATE articles SET text = NULL WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER article_changed_invalidates AFTER UPDATE OF content_hash ON articles
    FOR EACH ROW EXECUTE FUNCTION article_changed_invalidates();
