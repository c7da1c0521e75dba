"""Summaries of stored articles: their text (stored, or fetched from the page) summarized and cached.

Shared by /summarize, the Summarize button and the story publisher (a new thread's first message), so the
three summarize an article the same way and share the cache.
"""

from __future__ import annotations

import logging

from bot.feeds.article_text import ArticleText, ArticleTexts, NoArticleText
from bot.posting.format import escape_mentions, truncate_words
from bot.storage.articles import ArticleStore
from bot.summarize.clean import InputError
from bot.summarize.result import SummaryOptions, SummaryResult
from bot.summarize.service import SummaryService

__all__ = ["ArticleSummaries", "CannotSummarize"]

log = logging.getLogger(__name__)


class CannotSummarize(Exception):
    """This article cannot be summarized; the message says why, for the user."""


class ArticleSummaries:
    def __init__(self, articles: ArticleStore, texts: ArticleTexts, summaries: SummaryService) -> None:
        self._articles = articles
        self._texts = texts
        self._summaries = summaries

    async def for_article(self, article_id: int, options: SummaryOptions) -> tuple[SummaryResult, ArticleText]:
        """The summary of a stored article and the text it was made from. Raises CannotSummarize."""
        article = await self._articles.get(article_id)
        if article is None:
            raise CannotSummarize("I no longer have that article.")
        try:
            text = await self._texts.for_article(article)
            result = await self._summaries.summarize_article(article.id, text.text, options,
                                                             language=text.language, title=text.title)
        except (NoArticleText, InputError) as exc:
            raise CannotSummarize(f"I cannot summarize that article: {exc}") from None
        return result, text

    async def _or_none(self, article_id: int, options: SummaryOptions) -> SummaryResult | None:
        """For the publisher: a summary it can do without (an article that cannot be summarized is logged)."""
        try:
            result, _ = await self.for_article(article_id, options)
        except CannotSummarize as exc:
            log.info("no summary for article %s: %s", article_id, exc)
            return None
        return result

    async def template_text(self, article_id: int) -> str | None:
        """The plain summary a story template's `{summary}` shows (markdown and mentions are the template's
        to make inert), or None when the article cannot be summarized."""
        result = await self._or_none(article_id, SummaryOptions(length="short"))
        return result.summary if result is not None else None

    async def thread_text(self, article_id: int) -> str | None:
        """The first message of a new story thread, or None when the article cannot be summarized."""
        result = await self._or_none(article_id, SummaryOptions(style="bullets"))
        if result is None:
            return None
        return truncate_words(f"**Summary** (reduced by {round(result.reduced_by * 100)}%)\n"
                              f"{escape_mentions(result.summary)}", 2000)
