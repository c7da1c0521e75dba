from __future__ import annotations

from datetime import UTC, datetime

from bot.posting.format import (
    LIMITS,
    ZWSP,
    also_reported_lines,
    build_story_post,
    escape_mentions,
    escape_text,
    thread_name_for,
    truncate_words,
)


def test_truncate_at_word_boundary() -> None:
    assert truncate_words("short", 10) == "short"
    cut = truncate_words("The quick brown fox jumps over the lazy dog", 20)
    assert cut == "The quick brown fox…" and len(cut) <= 20
    assert len(truncate_words("x" * 500, 100)) == 100


def test_mentions_and_markdown_are_inert() -> None:
    hostile = "@everyone **BREAKING** <@123> <@&456> <#789> @here `code` [link](http://x)"
    out = escape_text(hostile)
    assert "@everyone" not in out and "@here" not in out
    assert "<@123>" not in out and "<@&456>" not in out and "<#789>" not in out
    assert "\\*\\*BREAKING\\*\\*" in out and "\\`code\\`" in out and "\\[link\\]" in out
    assert escape_mentions("@Everyone") == f"@{ZWSP}Everyone"


def test_story_post_respects_every_limit() -> None:
    post = build_story_post(
        title="**" + "Very long headline " * 40, url="https://news.example/a", source="Example News " * 300,
        excerpt="word " * 3000, author="A" * 400, published=datetime(2026, 11, 28, tzinfo=UTC),
        image_url="javascript:alert(1)", mention_role_id=42,
    )
    e = post.embed
    assert len(e.title) <= LIMITS["embed_title"] and len(e.description) <= 4096
    assert e.author is not None and len(e.author) <= LIMITS["embed_author"]
    assert len(e.footer) <= LIMITS["embed_footer"] and e.total_length() <= LIMITS["embed_total"]
    assert e.image_url is None  # only http(s) images
    assert post.content == "<@&42>" and post.mention_role_id == 42
    assert len(post.thread_name) <= LIMITS["thread_name"]


def test_thread_name_fallback_and_mentions() -> None:
    assert thread_name_for("   ") == "Discussion"
    assert "@everyone" not in thread_name_for("@everyone look")


def test_author_and_footer_are_shown_as_written() -> None:
    # Discord renders no markdown in an embed's author name or footer: escaping would show the backslashes.
    post = build_story_post(title="T", url="https://news.example/a", source="The_Daily (Wire)",
                            author="Jane_Doe (AP) *staff*")
    assert post.embed.author == "Jane_Doe (AP) *staff*"
    assert post.embed.footer == "The_Daily (Wire)"


def test_thread_name_with_many_mentions_stays_within_100() -> None:
    # Breaking mentions adds characters: the name must still fit Discord's 100 (else no thread at all).
    for title in ("@everyone " * 20, "<@123> " * 40, "x" * 95 + " @here"):
        name = thread_name_for(title)
        assert 1 <= len(name) <= LIMITS["thread_name"], (title, len(name))
        assert "@everyone" not in name and "<@123>" not in name and "@here" not in name


def test_also_reported_links_each_outlet_within_the_field_limit() -> None:
    lines = also_reported_lines([("The *Post* (evening)", "https://post.example/a b)c"),
                                 ("Radio", "javascript:alert(1)")])
    assert lines == "[The \\*Post\\* \\(evening\\)](https://post.example/a%20b%29c)\nRadio"
    many = [(f"Outlet {n} " + "x" * 60, f"https://outlet{n}.example/" + "y" * 100) for n in range(40)]
    listed = also_reported_lines(many)
    assert len(listed) <= LIMITS["embed_field_value"] and listed.endswith(" more")
    shown = listed.count("](")
    assert listed.endswith(f"and {40 - shown} more")
    post = build_story_post(title="T", url="https://a.example/", source="A", excerpt="e" * 600, also_reported=many)
    assert post.embed.also_reported == listed and post.embed.total_length() <= LIMITS["embed_total"]
