-- Issue 15 point 3: per-subscription message templates and post style ('embed' is today's embed; a NULL
-- template in that style changes nothing), and the server's time zone and format for {published}.
ALTER TABLE subscriptions ADD COLUMN template TEXT;
ALTER TABLE subscriptions ADD COLUMN card_style TEXT NOT NULL DEFAULT 'embed'
    CHECK (card_style IN ('embed', 'text', 'card', 'compact'));
ALTER TABLE guild_settings ADD COLUMN time_zone TEXT;
ALTER TABLE guild_settings ADD COLUMN time_format TEXT;
