"""`SummaryService`: what the Discord cogs and the CLI call to get a summary.

The extractive summary is always computed (a few milliseconds, in a worker thread so the event loop keeps
serving Discord): it is the answer when `SUMMARIZER=extractive`, the fallback when the LLM fails, and the
source of keywords either way. After an LLM failure the service answers with the extractive summary for
`llm_cooldown` seconds without calling the endpoint, so a dead server costs one reader one timeout, not all. Results for stored articles are cached per (article, method, length, style);
concurrent requests for the same key share one computation.
"""

from __future__ import annotations

import asyncio
import logging
import time

from bot.config import Settings
from bot.storage.summaries import SummaryStore
from bot.summarize.clean import clean_text
from bot.summarize.extractive import ExtractiveSummarizer, reduction
from bot.summarize.llm import LLMError, LLMSummarizer
from bot.summarize.result import SummaryOptions, SummaryResult, render

__all__ = ["SummaryService"]

log = logging.getLogger(__name__)
CacheKey = tuple[int, str, str, str]


class SummaryService:
    def __init__(
        self,
        settings: Settings,
        store: SummaryStore | None = None,
        *,
        extractive: ExtractiveSummarizer | None = None,
        llm: LLMSummarizer | None = None,
        llm_cooldown: float = 60.0,
    ) -> None:
        self._store = store
        self._extractive = extractive or ExtractiveSummarizer()
        self.method = settings.summarizer
        if self.method == "llm" and llm is None:
            key = settings.llm_api_key.reveal() if settings.llm_api_key else None
            llm = LLMSummarizer(settings.llm_base_url, settings.llm_model, key)
        self._llm = llm if self.method == "llm" else None
        self._inflight: dict[CacheKey, asyncio.Future[SummaryResult]] = {}
        # After an LLM failure, requests in the next `llm_cooldown` seconds go straight to the fallback.
        self.llm_cooldown = llm_cooldown
        self._llm_down_until = 0.0
        self._llm_error = ""

    async def aclose(self) -> None:
        if self._llm is not None:
            await self._llm.aclose()

    async def summarize_text(
        self,
        text: str,
        *,
        options: SummaryOptions | None = None,
        language: str | None = None,
        title: str | None = None,
        article_id: int | None = None,
    ) -> SummaryResult:
        """Summarize `text`. Raises `InputError` (a ValueError) when there is nothing to summarize.
        `article_id` only labels log lines."""
        options = options or SummaryOptions()
        extractive = await asyncio.to_thread(
            self._extractive.summarize, text, options, language=language, title=title
        )
        if self._llm is None:
            return extractive
        # The model gets the cleaned text (no markup, no furniture), cut to its budget before cleaning costs.
        now = time.monotonic()
        if now < self._llm_down_until:
            # The endpoint failed moments ago: do not make every reader wait for the same timeout.
            extractive.fallback_reason = f"{self._llm_error} (retrying the LLM after a short pause)"
            return extractive
        cut = self._llm.max_input_tokens * 8
        cleaned = await asyncio.to_thread(clean_text, text[:cut])
        original_chars = len(cleaned) + max(0, len(text) - cut)
        try:
            bullets = await self._llm.summarize(
                cleaned, title=title, sentences=options.max_sentences, words=options.words
            )
        except LLMError as exc:
            log.warning("article %s: LLM summary failed, using the extractive one: %s", article_id or "-", exc)
            self._llm_error = str(exc)
            self._llm_down_until = time.monotonic() + self.llm_cooldown
            extractive.fallback_reason = str(exc)
            return extractive
        self._llm_down_until = 0.0
        bullets = _within_budget(bullets, options)
        return SummaryResult(
            summary=render(bullets, options.style),
            sentences=bullets,
            reduced_by=reduction(sum(len(b) + 1 for b in bullets) - 1, original_chars),
            keywords=extractive.keywords,
            method="llm",
            style=options.style,
            language=extractive.language,
        )

    async def ask_llm(self, messages: list[dict[str, str]], *, label: str) -> tuple[list[str] | None, str | None]:
        """Bullets from the LLM for another kind of summary (a discussion), under the same rules as articles:
        `(None, None)` when SUMMARIZER is not llm; `(None, reason)` while cooling down after a failure or when
        this call fails (which starts the cooldown); `(bullets, None)` otherwise."""
        if self._llm is None:
            return None, None
        if time.monotonic() < self._llm_down_until:
            return None, f"{self._llm_error} (retrying the LLM after a short pause)"
        try:
            bullets = await self._llm.complete(messages)
        except LLMError as exc:
            log.warning("%s: LLM summary failed, using the extractive one: %s", label, exc)
            self._llm_error = str(exc)
            self._llm_down_until = time.monotonic() + self.llm_cooldown
            return None, str(exc)
        self._llm_down_until = 0.0
        return bullets, None

    async def summarize_article(
        self,
        article_id: int,
        text: str,
        options: SummaryOptions | None = None,
        *,
        language: str | None = None,
        title: str | None = None,
    ) -> SummaryResult:
        """Like `summarize_text`, cached per (article, method, length, style) when a store was given."""
        options = options or SummaryOptions()
        key: CacheKey = (article_id, self.method, options.length_key, options.style)
        if self._store is not None:
            cached = await self._store.get(*key)
            if cached is not None:
                try:
                    return SummaryResult.from_dict(cached)
                except (KeyError, TypeError, ValueError):
                    log.warning("article %s: unreadable cached summary for %s; recomputing", article_id, key)
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[SummaryResult] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await self.summarize_text(text, options=options, language=language, title=title,
                                               article_id=article_id)
            # A fallback is not what this method promises: it is not cached, so the LLM is tried again.
            if self._store is not None and result.method == self.method:
                await self._store.put(*key, result.as_dict())
            future.set_result(result)
            return result
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: no "exception was never retrieved" warning
            raise
        finally:
            del self._inflight[key]


def _within_budget(bullets: list[str], options: SummaryOptions) -> list[str]:
    """Models do not always count: keep whole bullets up to the budget asked for (always at least one)."""
    if options.words is None:
        return bullets[: options.max_sentences or len(bullets)]
    kept: list[str] = []
    used = 0
    for bullet in bullets:
        used += len(bullet.split())
        if kept and used > options.words:
            break
        kept.append(bullet)
    return kept
