-- Featured comments (/mod feature): listed under their story's post and in the daily digest.
CREATE TABLE featured_comments (
    message_id  INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    thread_id   INTEGER NOT NULL,
    article_id  INTEGER,
    author_id   INTEGER NOT NULL,
    author_name TEXT NOT NULL,
    content     TEXT NOT NULL,
    featured_by INTEGER NOT NULL,
    featured_at REAL NOT NULL
);
CREATE INDEX featured_comments_article ON featured_comments (article_id, featured_at);
CREATE INDEX featured_comments_guild ON featured_comments (guild_id, featured_at);

-- A ban's removal of the member's earlier comments, one row per comment still to delete on Discord:
-- a restart finds what is left here and finishes it.
CREATE TABLE ban_removals (
    message_id   INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    thread_id    INTEGER NOT NULL,
    moderator_id INTEGER NOT NULL,
    queued_at    REAL NOT NULL
);
CREATE INDEX ban_removals_member ON ban_removals (guild_id, user_id, thread_id);
