"""Daily caps and minimum gaps count the posts a channel got, not the reports merged into a story's post."""

from __future__ import annotations

import time

from bot.storage.engines import open_database
from bot.storage.posts import PostStore


async def test_a_report_merged_into_a_story_uses_up_no_cap(database_url: str) -> None:
    db = await open_database(database_url)
    try:
        now = time.time()
        feed = await db.insert("INSERT INTO feeds (url, created_at) VALUES (?, ?)", ("https://n.example/f", now))
        sub = await db.insert("INSERT INTO subscriptions (feed_id, guild_id, channel_id, created_at) VALUES (?,?,?,?)",
                              (feed, 1, 2, now))
        articles = [await db.insert("INSERT INTO articles (feed_id, canonical_url, content_hash, title, first_seen_at,"
                                    " updated_at) VALUES (?, ?, 'h', 't', ?, ?)", (feed, f"https://n.example/{i}", now, now))
                    for i in range(3)]
        posts = PostStore(db)
        reserved = [await posts.reserve(article_id=a, subscription_id=sub, guild_id=1, channel_id=2) for a in articles]
        assert all(p is not None for p in reserved)
        assert (await posts.recent_usage(sub, since=now - 86400))[0] == 3
        first, second, third = reserved
        assert first is not None and second is not None and third is not None
        await posts.mark_posted(first.id, message_id=900, thread_id=901, content_hash="h")
        await posts.mark_merged(second.id, into=first.id)
        await posts.mark_merged(third.id, into=first.id)
        count, last_at = await posts.recent_usage(sub, since=now - 86400)
        assert count == 1 and last_at == first.created_at
    finally:
        await db.close()
