"""What a webhook post is named and where its token may never appear: the outlet's name made acceptable to
Discord, the feed's icon, the stored webhook (a real SQLite file) and the log scrubber."""

from __future__ import annotations

import logging

import pytest

from bot.feeds.parser import parse_feed
from bot.logs import RedactingFormatter, redact
from bot.posting.identity import WEBHOOK_USERNAME_MAX, webhook_avatar_url, webhook_username
from bot.storage.deliveries import DeliveryRecord, DeliveryStore
from bot.storage.engines import open_database
from bot.storage.feeds import FeedStore, SubscriptionStore
from bot.storage.posts import PostStore
from bot.storage.webhooks import ChannelWebhook, WebhookStore
from emulator.errors import ApiError
from emulator.webhooks import check_webhook_name


@pytest.mark.parametrize(("outlet", "expected"), [
    ("Evening Post", "Evening Post"),
    ("Discord Blog", "D\u0456scord Blog"),
    ("THE CLYDE TIMES", "THE CL\u0423DE TIMES"),
    ("discordiscord", "d\u0456scord\u0456scord"),  # the second word hides in the first one's tail
    ("  News:  #1 @ ```the``` \u200bdesk\n", "News 1 the desk"),
    ("everyone", "everyone news"),
    ("", "News"),
    (None, "News"),
    ("\u200b\u200b", "News"),
])
def test_outlet_names_become_names_discord_takes(outlet: str | None, expected: str) -> None:
    name = webhook_username(outlet)
    assert name == expected
    assert check_webhook_name("username", name)  # the emulator applies Discord's documented rules


def test_long_names_are_cut_to_discords_limit() -> None:
    name = webhook_username("Daily " * 40)
    assert len(name) <= WEBHOOK_USERNAME_MAX and name == name.strip() and check_webhook_name("username", name)
    with pytest.raises(ApiError):
        check_webhook_name("username", "x" * 81)


def test_the_feeds_icon_is_the_avatar_when_discord_can_fetch_it() -> None:
    rss = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://ex.org/</link>'
           b"<image><url>/logo.png</url><title>T</title><link>https://ex.org/</link></image>"
           b"<item><title>a</title><link>https://ex.org/a</link></item></channel></rss>")
    icon = parse_feed(rss, url="https://ex.org/feed").icon_url
    assert icon == "https://ex.org/logo.png" and webhook_avatar_url(icon) == icon
    atom = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>x</id>'
            b"<icon>data:image/png;base64,AAAA</icon><logo>https://ex.org/l.png</logo>"
            b'<entry><title>a</title><link href="https://ex.org/a"/><id>1</id></entry></feed>')
    assert parse_feed(atom, url="https://ex.org/feed").icon_url == "https://ex.org/l.png"  # not a data: URL
    assert webhook_avatar_url(None) is None and webhook_avatar_url("ftp://ex.org/i.png") is None


async def test_stored_webhooks_the_webhook_problem_and_the_delivery_note(database_url: str) -> None:
    db = await open_database(database_url)  # on both engines (tests/conftest.py)
    try:
        store = WebhookStore(db)
        channel = 1_234_567_890_123_456_789  # Discord ids are 64-bit
        await store.save(ChannelWebhook(channel_id=channel, guild_id=1, webhook_id=100, token="first-secret-token"))
        await store.save(ChannelWebhook(channel_id=channel, guild_id=1, webhook_id=101, token="second-secret-token"))
        hook = await store.get(channel)
        assert hook is not None and hook.webhook_id == 101 and await store.by_id(100) is None
        assert "second-secret-token" not in repr(hook)  # never in a log line through a repr
        assert await store.tokens() == ["second-secret-token"]
        await store.forget(101)
        assert await store.get(channel) is None and await store.tokens() == []

        feeds = FeedStore(db)
        feed = await feeds.get_or_create("https://ex.org/feed")
        await feeds.record_success(feed.id, now=1.0, next_poll_at=2.0, etag=None, last_modified=None,
                                   icon_url="https://ex.org/i.png", baseline_done=True)
        await feeds.record_success(feed.id, now=3.0, next_poll_at=4.0, etag=None, last_modified=None)  # a 304
        polled = await feeds.get(feed.id)
        assert polled is not None and polled.icon_url == "https://ex.org/i.png" and not polled.baseline_pending
        subs = SubscriptionStore(db)
        sub = await subs.add(feed.id, 1, channel)
        assert not sub.webhook and sub.webhook_problem is None
        await subs.update(sub.id, webhook=True)
        assert await subs.set_webhook_problem(sub.id, "no Manage Webhooks") is True
        assert await subs.set_webhook_problem(sub.id, "no Manage Webhooks") is False  # told once
        changed = await subs.get(sub.id)
        assert changed is not None and changed.webhook and changed.webhook_problem == "no Manage Webhooks"

        # A story sent as the bot although the feed wants its webhook: the delivery record says why.
        article = await db.fetchval(
            "INSERT INTO articles (feed_id, guid, canonical_url, content_hash, first_seen_at, updated_at) "
            "VALUES (?, 'g', 'https://ex.org/a', 'h', 1, 1) RETURNING id", (feed.id,))
        posts = PostStore(db)
        post = await posts.reserve(article_id=article, subscription_id=sub.id, guild_id=1, channel_id=channel)
        assert post is not None
        await posts.sending_through(post.id, 101)  # tried through the webhook first
        tried = await posts.get(post.id)
        assert tried is not None and tried.webhook_id == 101
        await posts.mark_posted(post.id, message_id=5, thread_id=5, content_hash="h", webhook_id=None)
        deliveries = DeliveryStore(db)
        await deliveries.record([DeliveryRecord(sub.id, "https://ex.org/a", "A", "queued", None, article)])
        [delivery] = await deliveries.for_url(1, "https://ex.org/a")
        assert delivery.outcome == "posted" and delivery.webhook_note == "no Manage Webhooks"
        assert await subs.set_webhook_problem(sub.id, None) is True
        [delivery] = await deliveries.for_url(1, "https://ex.org/a")
        assert delivery.webhook_note == ""  # still posted as the bot; the reason has passed since
    finally:
        await db.close()


def test_webhook_tokens_are_scrubbed_from_logs() -> None:
    line = "Webhook ID 123 with POST https://discord.com/api/v10/webhooks/123/AbC-def_123456789xyz?wait=1 has returned"
    assert "AbC-def_123456789xyz" not in redact(line) and "/webhooks/123/********" in redact(line)
    record = logging.LogRecord("discord.webhook.async_", logging.DEBUG, __file__, 1, "%s", (line,), None)
    assert "AbC-def_123456789xyz" not in RedactingFormatter("%(message)s").format(record)
