"""Article extraction in worker processes, with a deadline: a page that runs away is stopped, not waited for.

`extract_article` is bounded by its input caps (`bounded_html`), but it is a large third-party parser fed with
hostile pages; a thread cannot be stopped and would also hold the GIL for seconds. So the bot runs it in a small
pebble process pool: each call has a deadline, after which its worker is killed and replaced. Workers are
spawned (not forked: the bot's process has threads), import trafilatura once when they start, are replaced
every `MAX_TASKS_PER_WORKER` pages so memory cannot creep, and have an address-space limit as a last guard.
trafilatura's own log lines (ERROR "parsed tree length", WARNING "discarding data") stay in the worker: they
describe pages, not faults, and the caller reports the outcome in one line. Per-call overhead and the worst
cases are measured by benchmarks/extraction_bounds.py (BENCHMARKS.md "Article extraction: bounds").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from bot.feeds.extract import ExtractedArticle, cut_body, extract_article

__all__ = ["EXTRACTION_TIMEOUT", "ArticleExtractor", "ExtractionFailed"]

log = logging.getLogger(__name__)

# Seconds one page may take. The worst input within the caps takes about 1 s here; a real page, 20-60 ms.
EXTRACTION_TIMEOUT = 5.0
MAX_TASKS_PER_WORKER = 200
# Address space a worker may reserve: far above the ~100 MB the worst capped page needs (measured), so it only
# stops a runaway the caps did not foresee.
WORKER_ADDRESS_SPACE = 1 << 30

Extract = Callable[..., ExtractedArticle | None]


class ExtractionFailed(Exception):
    """The page could not be extracted (too slow, or the worker died); the message is one line for people."""


def _start_worker(address_space: int) -> None:
    """Worker start-up: quiet logs, a memory ceiling, the extractor imported and warmed before the first page
    (so no page's deadline pays for the import)."""
    # Ctrl+C reaches the whole process group: the bot stops its workers itself (aclose), without a traceback
    # from each of them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A handler on the root logger keeps Python's last-resort handler from printing the library's warnings.
    logging.getLogger().addHandler(logging.NullHandler())
    for name in ("trafilatura", "htmldate", "courlan", "justext", "charset_normalizer", "readability"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if address_space and (hard == resource.RLIM_INFINITY or address_space < hard):
            resource.setrlimit(resource.RLIMIT_AS, (address_space, hard))
    extract_article(b"<html><body><article><p>" + b"Warm up the extractor. " * 20 + b"</p></article></body></html>",
                    "http://localhost/")


class ArticleExtractor:
    """Runs `extract_article` in worker processes with a per-page deadline.

    The pool starts on first use; `aclose()` (or `async with`) stops its workers. Hold `pages` while fetching
    and extracting a page. `extract()` returns None for a
    page without an article and raises ExtractionFailed when the page took longer than `timeout` or killed its
    worker. `function` is for tests (a stand-in that hangs); it must be importable by name in a new process.
    """

    def __init__(self, *, workers: int | None = None, timeout: float = EXTRACTION_TIMEOUT,
                 address_space: int = WORKER_ADDRESS_SPACE, function: Extract = extract_article) -> None:
        self.workers = workers or max(1, min(2, os.cpu_count() or 1))
        self.timeout = timeout
        self._address_space = address_space
        self._function = function
        self._pool: Any = None
        # Callers hold one of these from fetching a page until its extraction ends, so at most this many page
        # bodies (up to HTTP_MAX_BODY_BYTES each) wait in memory for a worker.
        self.pages = asyncio.Semaphore(2 * self.workers)

    def _ensure_pool(self) -> Any:
        if self._pool is None:
            from pebble import ProcessPool

            self._pool = ProcessPool(max_workers=self.workers, max_tasks=MAX_TASKS_PER_WORKER,
                                     initializer=_start_worker, initargs=(self._address_space,),
                                     context=multiprocessing.get_context("spawn"))
        return self._pool

    async def extract(self, body: bytes | str, url: str, *, content_type: str | None = None) -> ExtractedArticle | None:
        """The article on the page, None when it has none; ExtractionFailed when it cannot be had in time."""
        if isinstance(body, bytes):
            body = cut_body(body)
        future = self._ensure_pool().schedule(self._function, args=(body, url),
                                              kwargs={"content_type": content_type}, timeout=self.timeout)
        try:
            result: ExtractedArticle | None = await asyncio.wrap_future(future)
        except FutureTimeout:
            raise ExtractionFailed(f"extracting the article took longer than {self.timeout:g} s and was "
                                   "stopped (the page is too large or too complex)") from None
        except asyncio.CancelledError:
            future.cancel()  # pebble stops the worker of a cancelled running task
            raise
        except Exception as exc:  # the worker died (out of memory, a crash in the C parser)
            log.debug("extraction worker failed on %s", url, exc_info=True)
            raise ExtractionFailed(f"the article extractor failed on this page ({type(exc).__name__})") from None
        return result

    async def aclose(self) -> None:
        """Stop the workers (a running extraction is abandoned)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            await asyncio.to_thread(pool.join)

    async def __aenter__(self) -> ArticleExtractor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
