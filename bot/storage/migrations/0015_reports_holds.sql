-- Reader reports, comments held for review (pre-moderation, reports, automatic holds) and members on hold.
-- A held comment is removed from its thread at once (its row: status 'removed', text kept); its hold row
-- says why and, once a moderator decides, whether it was approved (and re-posted by the bot) or rejected.
ALTER TABLE guild_settings ADD COLUMN report_threshold INTEGER NOT NULL DEFAULT 3;
ALTER TABLE guild_settings ADD COLUMN premod_first INTEGER;          -- hold a member's first N comments
ALTER TABLE guild_settings ADD COLUMN auto_hold_rejected INTEGER;    -- more than X rejected ...
ALTER TABLE guild_settings ADD COLUMN auto_hold_window INTEGER NOT NULL DEFAULT 10;  -- ... of the last Y
ALTER TABLE guild_settings ADD COLUMN auto_hold_hours INTEGER NOT NULL DEFAULT 24;

CREATE TABLE comment_reports (
    message_id  INTEGER NOT NULL,
    reporter_id INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    details     TEXT,
    created_at  REAL NOT NULL,
    resolved_at REAL,
    PRIMARY KEY (message_id, reporter_id)
);
CREATE INDEX comment_reports_open ON comment_reports (guild_id, resolved_at);

CREATE TABLE comment_holds (
    message_id   INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('new_member', 'auto_hold', 'reports')),
    held_at      REAL NOT NULL,
    decision     TEXT CHECK (decision IN ('approved', 'rejected')),
    decided_at   REAL,
    repost_id    INTEGER
);
CREATE INDEX comment_holds_pending ON comment_holds (guild_id, decision, message_id);

CREATE TABLE member_holds (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    reason     TEXT,
    created_at REAL NOT NULL,
    expires_at REAL,
    PRIMARY KEY (guild_id, user_id)
);

-- Who was told (by DM, once) that their comments are held while they are new.
CREATE TABLE premod_notices (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    told_at  REAL NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
