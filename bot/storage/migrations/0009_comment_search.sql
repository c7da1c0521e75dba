-- Full-text search over comments for the web dashboard (SQLite FTS5).
-- An external-content index: the text lives once, in `comments`; triggers keep the index in step with every
-- insert, edit, removal, retention blanking and forget-me deletion.
CREATE VIRTUAL TABLE comments_fts USING fts5(
    content, author_name,
    content = 'comments', content_rowid = 'message_id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_fts (rowid, content, author_name) VALUES (new.message_id, new.content, new.author_name);
END;

CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, content, author_name)
    VALUES ('delete', old.message_id, old.content, old.author_name);
END;

-- Only when the indexed text changes: status changes (remove, approve) cost nothing here.
CREATE TRIGGER comments_fts_update AFTER UPDATE OF content, author_name ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, content, author_name)
    VALUES ('delete', old.message_id, old.content, old.author_name);
    INSERT INTO comments_fts (rowid, content, author_name) VALUES (new.message_id, new.content, new.author_name);
END;

INSERT INTO comments_fts (comments_fts) VALUES ('rebuild');

-- The dashboard's "comments per hour in this server" and "today's stories": by server and time.
CREATE INDEX comments_guild_time ON comments (guild_id, created_at);
CREATE INDEX posts_guild_time ON posts (guild_id, posted_at);
-- Counting a story's comments reads only this index (article, server, status), not the rows.
CREATE INDEX comments_article_status ON comments (article_id, guild_id, status);

-- Comments written per server and hour, kept by a trigger: the overview's 48-hour chart reads 48 rows instead
-- of counting every comment of a busy server (written comments: a later removal does not lower the count).
CREATE TABLE comment_hours (
    guild_id INTEGER NOT NULL,
    hour     INTEGER NOT NULL,                -- epoch hours (created_at / 3600)
    written  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, hour)
) WITHOUT ROWID;

CREATE TRIGGER comment_hours_count AFTER INSERT ON comments BEGIN
    INSERT INTO comment_hours (guild_id, hour, written) VALUES (new.guild_id, CAST(new.created_at / 3600 AS INTEGER), 1)
    ON CONFLICT (guild_id, hour) DO UPDATE SET written = written + 1;
END;

INSERT INTO comment_hours (guild_id, hour, written)
SELECT guild_id, CAST(created_at / 3600 AS INTEGER), COUNT(*) FROM comments GROUP BY 1, 2;
