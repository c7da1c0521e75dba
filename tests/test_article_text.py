"""`ArticleTexts.from_url`: pages served on 127.0.0.1, fetched through the guarded fetcher and extracted."""

from __future__ import annotations

from aiohttp import web

from bot.feeds.article_text import ArticleTexts
from bot.feeds.extract_pool import ArticleExtractor
from bot.feeds.fetcher import FeedFetcher
from tests.feeds_net_support import make_settings, serve

PARAGRAPH = ("Der Gemeinderat von Zürich hat am Dienstag beschlossen, die alte Brücke über die Limmat neu zu "
             "bauen. Die Arbeiten beginnen im Frühjahr und dauern zwei Jahre, sagte die Stadtpräsidentin. ")


async def test_a_utf8_page_with_one_bad_byte_keeps_its_letters() -> None:
    body = (f"<html><head><title>Brücke</title></head><body><article><h1>Neue Brücke</h1><p>{PARAGRAPH * 3}"
            "</p><p>Ein Leser schrieb: ").encode() + b"\x9d" + "übrigens gut.</p></article></body></html>".encode()

    def pages(app: web.Application) -> None:
        async def page(request: web.Request) -> web.Response:
            return web.Response(body=body, headers={"Content-Type": "text/html; charset=utf-8"})

        app.router.add_get("/brücke", page)

    async with serve(pages) as base, FeedFetcher(make_settings()) as fetcher, \
            ArticleExtractor(workers=1) as extractor:
        text = await ArticleTexts(fetcher, extractor).from_url(f"{base}/brücke")
    assert "Zürich" in text.text and "Frühjahr" in text.text and "übrigens" in text.text
    assert "Ã" not in text.text  # not decoded as cp1252
