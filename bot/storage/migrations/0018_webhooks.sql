-- Issue 15 point 5: a subscription may post through a webhook of its channel, under the outlet's name and icon.
-- `webhook_problem` says why its stories go out as the bot itself instead (e.g. no Manage Webhooks).
ALTER TABLE subscriptions ADD COLUMN webhook INTEGER NOT NULL DEFAULT 0 CHECK (webhook IN (0, 1));
ALTER TABLE subscriptions ADD COLUMN webhook_problem TEXT;
-- The webhook a post was sent (or is being sent) through; NULL: the bot itself. Edits go through it.
ALTER TABLE posts ADD COLUMN webhook_id INTEGER;
-- The feed's own icon (RSS <image>, Atom <icon>/<logo>, JSON Feed icon/favicon): the webhook posts' avatar.
ALTER TABLE feeds ADD COLUMN icon_url TEXT;
-- The one webhook Newsdesk made in each channel it posts into. The token is a secret: never logged or shown.
CREATE TABLE channel_webhooks (
    channel_id INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    webhook_id INTEGER NOT NULL,
    token      TEXT NOT NULL,
    created_at REAL NOT NULL
);
