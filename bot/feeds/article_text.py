"""The text to summarize for an article or a URL: stored full text, else the page fetched and extracted.

Pages go through the same guarded fetcher as feeds (SSRF guard, size and time limits). Extracted text is
stored with the article, so each page is fetched at most once.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.articles.records import Article
from bot.config import Settings
from bot.errors import CliError
from bot.feeds.errors import FetchError
from bot.feeds.extract_pool import ArticleExtractor, ExtractionFailed
from bot.feeds.fetcher import PAGE_ACCEPT, FeedFetcher
from bot.feeds.parser import looks_like_feed
from bot.storage.articles import ArticleStore

__all__ = ["ArticleText", "ArticleTexts", "NoArticleText", "fetch_article_text"]

# Below this many characters a stored excerpt is a teaser, not an article.
TEASER_CHARS = 600


class NoArticleText(ValueError):
    """Nothing readable at that address; the message says why."""


@dataclass(frozen=True)
class ArticleText:
    title: str | None
    text: str
    url: str
    language: str | None = None


class ArticleTexts:
    def __init__(self, fetcher: FeedFetcher, extractor: ArticleExtractor, articles: ArticleStore | None = None) -> None:
        self._fetcher = fetcher
        self._extractor = extractor
        self._articles = articles

    async def from_url(self, url: str) -> ArticleText:
        """Fetch and extract a page. Raises NoArticleText (or FetchError's message inside it)."""
        async with self._extractor.pages:
            try:
                page = await self._fetcher.fetch(url, accept=PAGE_ACCEPT)
            except FetchError as exc:
                raise NoArticleText(str(exc)) from None
            try:
                extracted = await self._extractor.extract(page.body, page.url, content_type=page.content_type)
            except ExtractionFailed as exc:
                raise NoArticleText(f"{page.url}: {exc}") from None
        if extracted is None or not extracted.text.strip():
            if looks_like_feed(page.body):
                raise NoArticleText(f"{page.url} is a news feed, not an article: summarize one of its stories")
            raise NoArticleText(f"{page.url} has no article text I can find (is it a home page or a video?)")
        return ArticleText(extracted.title, extracted.text, page.url, extracted.language)

    async def for_article(self, article: Article) -> ArticleText:
        """The article's stored text; fetched from its page (and stored) when only a teaser is known."""
        if article.text:
            return ArticleText(article.title, article.text, article.url, article.language)
        excerpt = article.excerpt or ""
        if len(excerpt) < TEASER_CHARS:
            try:
                page = await self.from_url(article.url)
            except NoArticleText:
                page = None
            if page is not None and len(page.text) > len(excerpt):
                if self._articles is not None:
                    await self._articles.set_text(article.id, page.text, language=page.language)
                return ArticleText(article.title or page.title, page.text, article.url, page.language or article.language)
        if not excerpt:
            raise NoArticleText("this article has no text I could fetch")
        return ArticleText(article.title, excerpt, article.url, article.language)


async def fetch_article_text(url: str, settings: Settings) -> tuple[str | None, str]:
    """For `newsdesk summarize URL`: (title, text) of the page, through every fetch guard."""
    async with FeedFetcher(settings) as fetcher, ArticleExtractor(workers=1) as extractor:
        try:
            page = await ArticleTexts(fetcher, extractor).from_url(url)
        except NoArticleText as exc:
            raise CliError(str(exc)) from None
    return page.title, page.text
