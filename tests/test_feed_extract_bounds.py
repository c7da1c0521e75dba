"""Extraction stays bounded on hostile pages: capped input, a deadline that stops a runaway, quiet logs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from aiohttp import web

from bot.feeds.article_text import ArticleTexts, NoArticleText
from bot.feeds.extract import MAX_ELEMENTS, ExtractedArticle, bounded_html, extract_article
from bot.feeds.extract_pool import ArticleExtractor, ExtractionFailed
from bot.feeds.fetcher import FeedFetcher
from tests.feeds_net_support import make_settings, serve
from tests.test_feeds_cli import newsdesk
from tests.test_feeds_polling import rss

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
HANG = b"<html><body><p>hang</p></body></html>"
ARTICLE = (FIXTURES / "article.html").read_bytes()


def hang_or_extract(body: bytes | str, url: str, *, content_type: str | None = None) -> ExtractedArticle | None:
    """A stand-in extractor that never returns on HANG (run in the worker process by its module name)."""
    if body == HANG:
        time.sleep(600)
    return extract_article(body, url, content_type=content_type)


def test_a_page_of_a_million_elements_is_cut_to_the_cap() -> None:
    page = "<html><body>" + "<p>a</p>" * 1_000_000 + "</body></html>"  # 8 MB, under the fetcher's body limit
    article = extract_article(page, "http://127.0.0.1/a")
    assert article is not None
    assert 1_000 < article.text.count("a") <= MAX_ELEMENTS + 1_000  # the cut falls within a 4 KB chunk


def test_real_pages_are_not_cut() -> None:
    html = ARTICLE.decode()
    assert bounded_html(html) == html


async def test_a_runaway_extraction_is_stopped_and_the_workers_recover() -> None:
    async with ArticleExtractor(workers=1, timeout=0.5, function=hang_or_extract) as extractor:
        with pytest.raises(ExtractionFailed, match=r"took longer than 0.5 s and was stopped"):
            await extractor.extract(HANG, "http://127.0.0.1/slow")
        article = await extractor.extract(ARTICLE, "http://127.0.0.1/a")
    assert article is not None and "harbour bridge" in article.text


async def test_a_page_that_cannot_be_extracted_in_time_is_one_line_for_the_user() -> None:
    def pages(app: web.Application) -> None:
        async def slow(request: web.Request) -> web.Response:
            return web.Response(body=HANG, content_type="text/html")

        app.router.add_get("/slow", slow)

    async with serve(pages) as base, FeedFetcher(make_settings()) as fetcher, \
            ArticleExtractor(workers=1, timeout=0.5, function=hang_or_extract) as extractor:
        with pytest.raises(NoArticleText) as caught:
            await ArticleTexts(fetcher, extractor).from_url(f"{base}/slow")
    message = str(caught.value)
    assert message == (f"{base}/slow: extracting the article took longer than 0.5 s and was stopped "
                       "(the page is too large or too complex)")


async def test_feed_check_full_text_on_hostile_pages_is_bounded_and_quiet() -> None:
    def site(app: web.Application) -> None:
        async def feed(request: web.Request) -> web.Response:
            return web.Response(body=rss([(3, "Huge"), (2, "Garbage"), (1, "Menu")], links=base),
                                content_type="application/rss+xml")

        async def article(request: web.Request) -> web.Response:
            body = {"3": b"<html><body>" + b"<p>a</p>" * 1_000_000 + b"</body></html>",
                    "2": bytes(range(256)) * 50,
                    "1": b"<html><body><nav><a href='/'>Home</a></nav></body></html>"}[request.match_info["n"]]
            return web.Response(body=body, content_type="text/html")

        app.router.add_get("/feed.xml", feed)
        app.router.add_get("/a/{n}", article)

    async with serve(site) as base:
        code, out, err = await newsdesk("feed", "check", f"{base}/feed.xml", "--full-text")
    assert code == 0, err
    assert "trafilatura" not in out + err and "discarding data" not in out + err
    lengths = [line.split("full text:")[1].strip() for line in out.splitlines() if "full text:" in line]
    assert len(lengths) == 3 and lengths[1:] == ["(none)", "(none)"]
    assert int(lengths[0].split()[0].replace(",", "")) <= 2 * (MAX_ELEMENTS + 1_000)  # the huge page, cut
