"""How a featured comment reads under a story post and in the digest: quoted, cut, never pinging."""

from __future__ import annotations

from bot.comments.digest import render_digest
from bot.posting.format import LIMITS, build_story_post, featured_line
from bot.storage.featured import FeaturedComment


def test_a_featured_line_quotes_inertly_and_short() -> None:
    line = featured_line("**mallory** <@1>", "Read this @everyone <@&42> *now* " + "word " * 100)
    assert line.startswith("“Read this @\u200beveryone <\u200b@&42\\> \\*now\\*")
    assert line.endswith("— \\*\\*mallory\\*\\* <\u200b@1\\>")
    assert "…”" in line and len(line) < 320


def test_a_story_post_with_featured_comments_keeps_within_discords_limits() -> None:
    picks = [("x" * 300, "<@1> " * 400)] * 3
    post = build_story_post(title="T" * 400, url="https://example.org/a", source="S" * 3000, excerpt="e " * 3000,
                            author="A" * 400, featured=picks)
    assert post.embed.featured is not None and post.embed.featured.count("\n") == 2
    assert len(post.embed.featured) <= LIMITS["embed_field_value"]
    assert post.embed.total_length() <= LIMITS["embed_total"] and "<@1>" not in post.embed.featured
    assert build_story_post(title="T", url="https://example.org/a", source="S").embed.featured is None


def test_the_digest_lists_featured_comments_also_on_a_quiet_day() -> None:
    pick = FeaturedComment(1, 2, 3, 4, 5, "bob", "A fine point @here", 6, 0.0)
    text = render_digest("2026-12-06", [], [pick])
    assert "A quiet day" in text and "**Featured comments**" in text
    assert "“A fine point @\u200bhere” — bob (<#3>)" in text
