"""What a webhook post is named and where its token may never appear: the outlet's name made acceptable to
Discord, the feed's icon, the stored webhook (a real SQLite file) and the log scrubber."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.feeds.parser import parse_feed
from bot.logs import RedactingFormatter, redact
from bot.posting.identity import WEBHOOK_USERNAME_MAX, webhook_avatar_url, webhook_username
from bot.storage.engines import open_database
from bot.storage.feeds import FeedStore, SubscriptionStore
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


async def test_stored_webhooks_and_the_webhook_problem(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "n.db")
    try:
        store = WebhookStore(db)
        await store.save(ChannelWebhook(channel_id=10, guild_id=1, webhook_id=100, token="first-secret-token"))
        await store.save(ChannelWebhook(channel_id=10, guild_id=1, webhook_id=101, token="second-secret-token"))
        hook = await store.get(10)
        assert hook is not None and hook.webhook_id == 101 and await store.by_id(100) is None
        assert "second-secret-token" not in repr(hook)  # never in a log line through a repr
        await store.forget(101)
        assert await store.get(10) is None and await store.tokens() == []

        feed = await FeedStore(db).get_or_create("https://ex.org/feed")
        subs = SubscriptionStore(db)
        sub = await subs.add(feed.id, 1, 10)
        assert not sub.webhook and sub.webhook_problem is None
        await subs.update(sub.id, webhook=True)
        assert await subs.set_webhook_problem(sub.id, "no Manage Webhooks") is True
        assert await subs.set_webhook_problem(sub.id, "no Manage Webhooks") is False  # told once
        changed = await subs.get(sub.id)
        assert changed is not None and changed.webhook and changed.webhook_problem == "no Manage Webhooks"
        assert await subs.set_webhook_problem(sub.id, None) is True
    finally:
        await db.close()


def test_webhook_tokens_are_scrubbed_from_logs() -> None:
    line = "Webhook ID 123 with POST https://discord.com/api/v10/webhooks/123/AbC-def_123456789xyz?wait=1 has returned"
    assert "AbC-def_123456789xyz" not in redact(line) and "/webhooks/123/********" in redact(line)
    record = logging.LogRecord("discord.webhook.async_", logging.DEBUG, __file__, 1, "%s", (line,), None)
    assert "AbC-def_123456789xyz" not in RedactingFormatter("%(message)s").format(record)
