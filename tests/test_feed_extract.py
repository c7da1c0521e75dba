"""Full-text extraction, the teaser heuristic and autodiscovery on fixtures written for Newsdesk."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.feeds.discover import COMMON_FEED_PATHS, common_feed_urls, find_feed_links, looks_like_feed
from bot.feeds.extract import MAX_HTML_CHARS, cut_body, decode_html, extract_article, needs_full_text
from bot.feeds.parser import parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
ARTICLE_URL = "https://gazette.example.com/news/bridge?utm_source=feed"


def test_extracts_main_text_and_metadata() -> None:
    article = extract_article((FIXTURES / "article.html").read_bytes(), ARTICLE_URL)
    assert article is not None
    assert "voted on Tuesday to rebuild the old harbour bridge" in article.text
    assert "support scheme" in article.text  # the last paragraph too
    for boilerplate in ("Most read", "Cat rescued", "All rights reserved", "newsletter"):
        assert boilerplate not in article.text
    assert article.title == "Council votes to rebuild harbour bridge"
    assert article.author == "Jane Reporter"
    assert article.published == datetime(2026, 11, 26, 13, 30, tzinfo=UTC)
    assert article.image == "https://gazette.example.com/media/bridge.jpg"  # og:image, made absolute
    assert article.language == "en-gb"


def test_extract_returns_none_for_pages_without_an_article() -> None:
    assert extract_article(b"", ARTICLE_URL) is None
    assert extract_article("<html><body><nav><a href='/'>Home</a></nav></body></html>", ARTICLE_URL) is None
    assert extract_article(bytes(range(256)) * 50, ARTICLE_URL) is None


def test_decode_html() -> None:
    assert decode_html("already text") == "already text"
    assert decode_html("café".encode("cp1252"), "text/html; charset=windows-1252") == "café"
    assert decode_html(b'<meta charset="iso-8859-1"><p>caf\xe9</p>').endswith("café</p>")
    assert decode_html("café".encode()) == "café"
    assert decode_html(b"caf\xe9 without a declared charset") == "café without a declared charset"
    assert decode_html(b"x", "text/html; charset=no-such-codec") == "x"


def test_needs_full_text() -> None:
    feed = parse_feed((FIXTURES / "teaser.xml").read_bytes(), url="http://teaser.example.com/rss")
    teaser = feed.items[0]
    assert needs_full_text(teaser)
    long_text = "A sentence of a complete article that goes on. " * 30
    full = replace(teaser, excerpt=long_text[:500], content_text=long_text)
    assert not needs_full_text(full)
    cut = replace(full, content_text=long_text + " Continue reading →")
    assert needs_full_text(cut)
    wordpress = replace(full, content_text=long_text + " The post Bridge appeared first on Gazette.")
    assert needs_full_text(wordpress)


def test_find_feed_links_ranked() -> None:
    links = find_feed_links((FIXTURES / "page.html").read_bytes(), "https://Example.com/blog/post")
    urls = [link.url for link in links]
    assert urls == [
        "https://example.com/feed/",
        "https://example.com/atom.xml",
        "https://example.com/feed.json",
        "https://example.com/comments/feed/",  # comment feeds last among the advertised
        "https://example.com/rss.xml",          # a plain <a> that looks like a feed: after <link>s
    ]
    assert [link.type for link in links] == ["rss", "atom", "json", "rss", "rss"]
    assert links[0].title == "Example site RSS"
    assert find_feed_links("", "https://example.com/") == []
    assert find_feed_links("<link rel=alternate type=application/rss+xml href='javascript:x'>", "https://e.com/") == []


def test_common_feed_paths_and_sniffing() -> None:
    assert "/feed" in COMMON_FEED_PATHS and "/feeds/posts/default" in COMMON_FEED_PATHS
    urls = common_feed_urls("https://example.com/blog/")
    assert urls[0] == "https://example.com/blog/feed"
    assert "https://example.com/rss.xml" in urls
    assert common_feed_urls("ftp://example.com/") == []
    for name in ("rss20.xml", "atom.xml", "rdf.xml", "feed.json", "rss091.xml"):
        assert looks_like_feed((FIXTURES / name).read_bytes()), name
    assert not looks_like_feed((FIXTURES / "page.html").read_bytes())
    assert not looks_like_feed(b'{"hello": 1}')


def test_a_declared_charset_wins_over_one_bad_byte() -> None:
    page = "<html><head><meta charset='utf-8'></head><body><p>Zürich café crème</p>".encode() + b"\xff</body></html>"
    for content_type in (None, "text/html; charset=utf-8"):
        text = decode_html(page, content_type)
        assert "Zürich café crème" in text and "\ufffd" in text  # the bad byte alone is replaced
    assert "Zürich" in decode_html("<p>Zürich</p>".encode() + b"\xff", "text/html; charset=UTF-8")
    # Undeclared: UTF-8 when it decodes as such, else the Windows code page browsers fall back to.
    assert decode_html(b"<p>caf\xc3\xa9</p>") == "<p>café</p>"
    assert decode_html(b"<p>caf\xe9</p>") == "<p>café</p>"
    assert decode_html(b"<meta charset=latin1><p>\x93quoted\x94</p>").endswith("“quoted”</p>")


def test_extracted_text_is_unicode_normalised() -> None:
    decomposed = "Cafe\u0301 owners in Zu\u0308rich"  # "é" and "ü" as base letter + combining mark
    page = (FIXTURES / "article.html").read_text(encoding="utf-8").replace("harbour bridge", decomposed)
    article = extract_article(page, ARTICLE_URL)
    assert article is not None and article.title is not None
    assert "Café owners in Zürich" in article.text and "\u0301" not in article.text
    assert "Café owners in Zürich" in article.title


SHORT_PAGE = """<html lang="en"><head><meta charset="utf-8"><title>Bridge reopens Monday | Riverside Gazette</title>
<meta property="og:title" content="Bridge reopens Monday"></head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article><h1>Bridge reopens Monday</h1>
<p>The harbour bridge reopens to traffic on Monday at 6 am, the council said on Friday.</p></article></main>
<aside><h2>Most read</h2><ul><li><a href="/a">Cat rescued from tree</a></li><li><a href="/b">Bakery wins</a></li></ul>
</aside><footer><p>© 2026 Riverside Gazette. All rights reserved.</p></footer></body></html>"""


def test_a_short_article_is_kept_without_its_page_furniture() -> None:
    article = extract_article(SHORT_PAGE, ARTICLE_URL)
    assert article is not None
    assert article.text == ("Bridge reopens Monday\n"
                            "The harbour bridge reopens to traffic on Monday at 6 am, the council said on Friday.")
    assert article.title == "Bridge reopens Monday"
    assert extract_article("<html><body><p>404 Not Found</p></body></html>", ARTICLE_URL) is None


def test_a_body_cut_for_the_extractor_still_decodes_as_utf8() -> None:
    body = b"<html><body><p>" + "é".encode() * MAX_HTML_CHARS  # undeclared UTF-8, twice the cap in bytes
    cut = cut_body(body)
    assert len(cut) <= MAX_HTML_CHARS and body.startswith(cut)
    text = decode_html(cut)
    assert text.endswith("éé") and "Ã" not in text  # not cut inside a character, so not taken for cp1252
