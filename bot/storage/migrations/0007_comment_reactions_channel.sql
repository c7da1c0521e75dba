-- 0007: the start-up backfill reconciles each article thread's live reactions with Discord's, reading
-- them by channel; without this index that read scans every reaction ever recorded.
CREATE INDEX reactions_channel ON reactions (channel_id, message_id) WHERE removed_at IS NULL;
