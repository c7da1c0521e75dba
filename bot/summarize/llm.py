"""An optional LLM backend: any OpenAI-compatible `/chat/completions` endpoint over httpx.

OpenAI, Ollama (`/v1`), llama.cpp server and vLLM all speak this protocol. The article is trimmed to a token
budget (about four characters a token, cut at a sentence end), the prompt asks for faithful bullet points,
and transient failures (connection errors, timeouts, 429 and 5xx) are retried with exponential backoff.
Every failure ends in `LLMError` with a one-line reason; `SummaryService` then falls back to the extractive
summary and records the reason, so a broken endpoint never leaves a reader without a summary.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import httpx

__all__ = ["LLMError", "LLMSummarizer", "trim_to_tokens"]

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4  # a deliberately rough estimate: no tokenizer download, errs on the short side
SYSTEM_PROMPT = (
    "You summarize news articles faithfully. Use only facts stated in the article: no outside knowledge, "
    "no opinions, no speculation. Keep names, numbers and dates exactly as written. Write in the article's "
    "language. Reply with bullet points only, one per line, each starting with '- '."
)
_BULLET = re.compile(r"^\s*(?:[-*•·‣–]|\d{1,2}[.)])\s+")
MAX_RETRY_AFTER = 5.0
# The whole call, retries and waits included: a server that drips its answer a byte at a time never trips the
# per-read timeout, and a reader is waiting (the extractive summary is the fallback).
DEFAULT_DEADLINE = 60.0
# A chat completion of a few hundred tokens is a few kilobytes; anything this large is not one.
MAX_RESPONSE_BYTES = 1024 * 1024
_RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class LLMError(Exception):
    """The endpoint gave no usable summary. The message says why, in one line."""


def trim_to_tokens(text: str, max_tokens: int) -> str:
    """At most `max_tokens` (estimated) of `text`, ending at a sentence boundary when one is near."""
    limit = max_tokens * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind(".\n"), cut.rfind("? "), cut.rfind("! "), cut.rfind("。"))
    return cut[: end + 1] if end > limit // 2 else cut


class LLMSummarizer:
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.5,
        deadline: float = DEFAULT_DEADLINE,
        max_input_tokens: int = 3000,
        max_output_tokens: int = 400,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self._api_key = api_key
        self.retries = retries
        self.deadline = deadline
        self.backoff = backoff
        self.max_input_tokens = max_input_tokens
        self.max_output_tokens = max_output_tokens
        self._timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self._client = client
        self._owns_client = client is None

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        return self._client

    def build_messages(self, text: str, *, title: str | None, sentences: int | None, words: int | None) -> list[
            dict[str, str]]:
        if words is not None:
            size = f"in bullet points totalling at most {words} words"
        else:
            size = f"in {sentences or 3} bullet points"
        article = trim_to_tokens(text, self.max_input_tokens)
        heading = f"Title: {title}\n\n" if title else ""
        return [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Summarize this article {size}.\n\n{heading}Article:\n{article}"},
        ]

    async def summarize(
        self, text: str, *, title: str | None = None, sentences: int | None = 3, words: int | None = None
    ) -> list[str]:
        """Bullet points (without their markers) for `text`; raises `LLMError` on any failure, also when the
        whole call (retries included) takes longer than `deadline` seconds."""
        return await self.complete(self.build_messages(text, title=title, sentences=sentences, words=words))

    async def complete(self, messages: list[dict[str, str]]) -> list[str]:
        """Bullet points answering `messages` (any prompt asking for '- ' bullets), with the same retries,
        deadline and `LLMError` as `summarize`."""
        try:
            async with asyncio.timeout(self.deadline):
                return await self._complete(messages)
        except TimeoutError:
            raise LLMError(f"the LLM endpoint took longer than {self.deadline:g} s in total; it is overloaded or "
                           "stalling (the summary was made without it)") from None

    async def _complete(self, messages: list[dict[str, str]]) -> list[str]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0.2,
            "max_tokens": self.max_output_tokens,
            "stream": False,
        }
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        last_error = "no attempt made"
        retry_after: float | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                delay = self.backoff * 2 ** (attempt - 1)
                # A server's own Retry-After is honoured, within reason: a reader is waiting.
                await asyncio.sleep(min(retry_after, MAX_RETRY_AFTER) if retry_after is not None else delay)
                retry_after = None
            try:
                response, body = await self._post(payload, headers)
            except httpx.TimeoutException:
                last_error = "the LLM endpoint timed out"
                continue
            except httpx.HTTPError as exc:
                last_error = f"the LLM endpoint could not be reached ({type(exc).__name__})"
                continue
            if response.status_code in _RETRY_STATUS:
                last_error = f"the LLM endpoint answered HTTP {response.status_code}"
                retry_after = _retry_after(response)
                continue
            if response.status_code >= 400:
                raise LLMError(f"the LLM endpoint answered HTTP {response.status_code}")
            return _parse(body)
        raise LLMError(f"{last_error} (after {self.retries + 1} attempts)")

    async def _post(self, payload: dict[str, Any], headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
        """The response and its body, read up to MAX_RESPONSE_BYTES (LLMError beyond)."""
        async with self._http().stream("POST", self.url, json=payload, headers=headers,
                                       timeout=self._timeout) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise LLMError(f"the LLM endpoint sent more than {MAX_RESPONSE_BYTES // 1024} KB; that is not "
                                   "a chat completion")
                chunks.append(chunk)
        return response, b"".join(chunks)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        value = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def _parse(body: bytes) -> list[str]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise LLMError("the LLM endpoint returned malformed JSON") from None
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise LLMError("the LLM endpoint returned no choices") from None
    if not isinstance(content, str):
        raise LLMError("the LLM endpoint returned no text")
    bullets = [_BULLET.sub("", line).strip() for line in content.splitlines()]
    bullets = [b for b in bullets if b and not b.endswith(":")]  # drop "Here is a summary:" preambles
    if not bullets:
        raise LLMError("the LLM endpoint returned an empty summary")
    return bullets
