-- Moderators' notes about a member (the dashboard's member history, /mod note): seen by moderators only.
CREATE TABLE member_notes (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    author_id  INTEGER NOT NULL,
    text       TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX member_notes_member ON member_notes (guild_id, user_id, created_at);
