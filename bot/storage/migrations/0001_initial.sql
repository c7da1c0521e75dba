-- 0001: the whole product's schema. Applied migrations are never edited: add 0002_*.sql instead.
-- Times are UTC unix seconds (REAL): cheap to compare and to do arithmetic on in SQL.
-- Discord ids (snowflakes) are INTEGER.

CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    news_channel_id     INTEGER,
    default_mode        TEXT NOT NULL DEFAULT 'thread' CHECK (default_mode IN ('thread', 'forum', 'plain')),
    auto_summary        INTEGER NOT NULL DEFAULT 0 CHECK (auto_summary IN (0, 1)),
    admin_channel_id    INTEGER,
    modlog_channel_id   INTEGER,
    auto_close_days     INTEGER CHECK (auto_close_days IS NULL OR auto_close_days > 0),
    digest_channel_id   INTEGER,
    digest_time         TEXT CHECK (digest_time IS NULL OR digest_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    digest_last_day     TEXT,                 -- 'YYYY-MM-DD' of the last digest posted (no skips, no repeats)
    updated_at          REAL NOT NULL
);

CREATE TABLE feeds (
    id                   INTEGER PRIMARY KEY,
    url                  TEXT NOT NULL UNIQUE,
    title                TEXT,
    site_url             TEXT,
    etag                 TEXT,
    last_modified        TEXT,
    interval_seconds     INTEGER,              -- NULL: the default poll interval
    min_interval_seconds INTEGER,              -- from Cache-Control max-age / RSS <ttl>
    next_poll_at         REAL NOT NULL DEFAULT 0,
    last_polled_at       REAL,
    last_success_at      REAL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT,
    paused               INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    paused_reason        TEXT,
    created_at           REAL NOT NULL
);
CREATE INDEX feeds_due ON feeds (paused, next_poll_at);

CREATE TABLE subscriptions (
    id                INTEGER PRIMARY KEY,
    feed_id           INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    guild_id          INTEGER NOT NULL,
    channel_id        INTEGER NOT NULL,
    mode              TEXT NOT NULL DEFAULT 'thread' CHECK (mode IN ('thread', 'forum', 'plain')),
    include_filter    TEXT,
    exclude_filter    TEXT,
    mention_role_id   INTEGER,
    summary           INTEGER NOT NULL DEFAULT 0 CHECK (summary IN (0, 1)),
    paused            INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    failing_reason    TEXT,                    -- e.g. a missing permission; NULL when healthy
    failing_announced INTEGER NOT NULL DEFAULT 0,
    created_by        INTEGER,
    created_at        REAL NOT NULL,
    UNIQUE (feed_id, guild_id, channel_id)
);
CREATE INDEX subscriptions_guild ON subscriptions (guild_id);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    feed_id       INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
    guid          TEXT,
    canonical_url TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    title_key     TEXT NOT NULL DEFAULT '',     -- normalised title, for same-feed near-duplicate checks
    author        TEXT,
    published_at  REAL,
    image_url     TEXT,
    excerpt       TEXT,
    text          TEXT,
    language      TEXT,
    first_seen_at REAL NOT NULL,
    updated_at    REAL NOT NULL,
    UNIQUE (canonical_url),
    UNIQUE (feed_id, guid)
);
CREATE INDEX articles_title ON articles (feed_id, title_key);

CREATE TABLE posts (
    id              INTEGER PRIMARY KEY,
    article_id      INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    subscription_id INTEGER REFERENCES subscriptions (id) ON DELETE SET NULL,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    nonce           TEXT NOT NULL UNIQUE,     -- sent with the message; finds it again after a crash
    message_id      INTEGER UNIQUE,           -- NULL while the post is being sent
    thread_id       INTEGER UNIQUE,
    content_hash    TEXT,                     -- the article version this post shows
    posted_at       REAL,
    edited_at       REAL,
    created_at      REAL NOT NULL,
    UNIQUE (article_id, guild_id, channel_id)
);

-- One row per article discussion thread (or forum post), with its current state.
CREATE TABLE threads (
    thread_id         INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    parent_channel_id INTEGER NOT NULL,
    article_id        INTEGER REFERENCES articles (id) ON DELETE SET NULL,
    name              TEXT,
    locked            INTEGER NOT NULL DEFAULT 0,
    archived          INTEGER NOT NULL DEFAULT 0,
    slowmode_seconds  INTEGER NOT NULL DEFAULT 0,
    last_message_id   INTEGER,                -- newest message recorded: where a backfill resumes
    created_at        REAL NOT NULL,
    updated_at        REAL NOT NULL
);
CREATE INDEX threads_article ON threads (article_id);

CREATE TABLE thread_events (
    id        INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL,
    kind      TEXT NOT NULL,                  -- locked, unlocked, archived, unarchived, renamed, slowmode, deleted
    old_value TEXT,
    new_value TEXT,
    at        REAL NOT NULL
);
CREATE INDEX thread_events_thread ON thread_events (thread_id, at);

CREATE TABLE comments (
    message_id     INTEGER PRIMARY KEY,       -- the Discord message id: recording is idempotent on it
    guild_id       INTEGER NOT NULL,
    thread_id      INTEGER NOT NULL,
    article_id     INTEGER REFERENCES articles (id) ON DELETE SET NULL,
    author_id      INTEGER NOT NULL,
    author_name    TEXT NOT NULL,             -- display name at the time of writing
    content        TEXT NOT NULL DEFAULT '',
    parent_id      INTEGER,                   -- message id this replies to (a comment or the article post)
    attachments    TEXT NOT NULL DEFAULT '[]', -- JSON list of {name, url, size, content_type}
    created_at     REAL NOT NULL,
    edited_at      REAL,
    deleted_at     REAL,
    status         TEXT NOT NULL DEFAULT 'visible'
                   CHECK (status IN ('visible', 'flagged', 'removed', 'deleted')),
    removed_by     INTEGER,
    removed_reason TEXT
);
CREATE INDEX comments_thread ON comments (thread_id, message_id);
CREATE INDEX comments_article ON comments (article_id, created_at);
CREATE INDEX comments_author ON comments (guild_id, author_id);
CREATE INDEX comments_parent ON comments (parent_id);

CREATE TABLE comment_revisions (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES comments (message_id) ON DELETE CASCADE,
    old_content TEXT NOT NULL,
    new_content TEXT NOT NULL,
    edited_at   REAL NOT NULL,
    UNIQUE (message_id, edited_at)
);

CREATE TABLE reactions (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,              -- an article post or a comment
    user_id    INTEGER NOT NULL,
    emoji      TEXT NOT NULL,                 -- unicode, or name:id for a custom emoji
    added_at   REAL NOT NULL,
    removed_at REAL
);
-- At most one live reaction per (message, user, emoji): re-recording an add is a no-op.
CREATE UNIQUE INDEX reactions_live ON reactions (message_id, user_id, emoji) WHERE removed_at IS NULL;
CREATE INDEX reactions_user ON reactions (guild_id, user_id);

CREATE TABLE moderation_actions (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    moderator_id      INTEGER NOT NULL,
    action            TEXT NOT NULL,          -- lock, unlock, close, reopen, slowmode, remove, purge, mute, ...
    target_user_id    INTEGER,
    target_message_id INTEGER,
    target_thread_id  INTEGER,
    article_id        INTEGER,
    reason            TEXT,
    details           TEXT,                   -- JSON
    created_at        REAL NOT NULL,
    expires_at        REAL
);
CREATE INDEX moderation_actions_guild ON moderation_actions (guild_id, created_at);
CREATE INDEX moderation_actions_user ON moderation_actions (guild_id, target_user_id);

CREATE TABLE comment_mutes (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    muted_by   INTEGER NOT NULL,
    reason     TEXT,
    created_at REAL NOT NULL,
    expires_at REAL,                          -- NULL: until unmuted
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE word_filters (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    pattern    TEXT NOT NULL,
    is_regex   INTEGER NOT NULL DEFAULT 0,
    action     TEXT NOT NULL DEFAULT 'remove' CHECK (action IN ('remove', 'flag')),
    created_by INTEGER,
    created_at REAL NOT NULL,
    UNIQUE (guild_id, pattern)
);

-- Persisted timers (mute expiry, auto-close, ...): they survive restarts and fire once.
CREATE TABLE timers (
    id         INTEGER PRIMARY KEY,
    event      TEXT NOT NULL,
    due_at     REAL NOT NULL,
    payload    TEXT NOT NULL DEFAULT '{}',    -- JSON
    key        TEXT UNIQUE,                   -- optional: one live timer per key (e.g. 'mute:guild:user')
    created_at REAL NOT NULL
);
CREATE INDEX timers_due ON timers (due_at);

CREATE TABLE summaries (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    method     TEXT NOT NULL,
    length     TEXT NOT NULL,
    style      TEXT NOT NULL,
    result     TEXT NOT NULL,                 -- JSON of the summary result
    created_at REAL NOT NULL,
    PRIMARY KEY (article_id, method, length, style)
);

CREATE TABLE privacy_requests (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER,
    user_id      INTEGER NOT NULL,
    kind         TEXT NOT NULL,               -- forget-me
    rows_deleted INTEGER NOT NULL,
    created_at   REAL NOT NULL
);
