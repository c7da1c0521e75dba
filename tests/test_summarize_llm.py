"""The LLM backend against a real OpenAI-compatible server on 127.0.0.1, and the service's fallback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from bot.config import load_settings
from bot.summarize.llm import LLMError, LLMSummarizer, trim_to_tokens
from bot.summarize.result import SummaryOptions
from bot.summarize.service import SummaryService
from tests.loopback import serve

ARTICLE = (
    "The city council approved a new budget for public libraries on Thursday after a long debate. "
    "The budget adds 2 million dollars for longer opening hours and new books. "
    "Council members voted 9 to 2 in favour of the plan, which takes effect in July. "
    "Librarians welcomed the decision."
)
Handler = Callable[[web.Request], Any]


@dataclass
class FakeLLM:
    """A tiny OpenAI-compatible server whose behaviour each test scripts, one response per request."""

    script: list[Handler] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        behaviour = self.script[min(len(self.requests), len(self.script)) - 1]
        return await behaviour(request)


def reply(content: str) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"id": "x", "object": "chat.completion",
                                  "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})
    return handler


def status(code: int) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"error": {"message": "boom"}}, status=code)
    return handler


def limited(retry_after: str) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"error": "slow down"}, status=429, headers={"Retry-After": retry_after})
    return handler


def raw(body: str) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=body, content_type="application/json")
    return handler


def slow(seconds: float) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(seconds)
        return await reply("- too late")(request)
    return handler


def drip(content: str, every: float) -> Handler:
    """A complete, valid answer sent one byte every `every` seconds: each read is quick, the whole is not."""
    async def handler(request: web.Request) -> web.StreamResponse:
        body = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for byte in body.encode():
            await response.write(bytes([byte]))
            await asyncio.sleep(every)
        await response.write_eof()
        return response
    return handler


@pytest.fixture
async def server() -> AsyncIterator[FakeLLM]:
    fake = FakeLLM()
    async with serve(lambda app: app.router.add_post("/v1/chat/completions", fake.handle)) as base:
        fake.url = f"{base}/v1"
        yield fake


def client(server: FakeLLM, **kwargs: Any) -> LLMSummarizer:
    kwargs.setdefault("backoff", 0.01)
    kwargs.setdefault("timeout", 2.0)
    return LLMSummarizer(server.url, "test-model", "sk-test", **kwargs)


async def test_success_parses_bullets_and_sends_a_faithful_prompt(server: FakeLLM) -> None:
    server.script = [reply("Here is a summary:\n- Budget approved.\n* 2 million dollars added.\n3. Vote was 9-2.\n")]
    llm = client(server)
    try:
        bullets = await llm.summarize(ARTICLE, title="Library budget", sentences=3)
    finally:
        await llm.aclose()
    assert bullets == ["Budget approved.", "2 million dollars added.", "Vote was 9-2."]
    sent = server.requests[0]
    assert sent["model"] == "test-model" and sent["stream"] is False
    system, user = sent["messages"]
    assert "faithful" in system["content"] and "bullet" in system["content"]
    assert "3 bullet points" in user["content"] and "Library budget" in user["content"] and ARTICLE in user["content"]
    assert server.headers[0]["Authorization"] == "Bearer sk-test"


async def test_server_errors_are_retried_then_succeed(server: FakeLLM) -> None:
    server.script = [status(500), status(503), reply("- Recovered.")]
    llm = client(server, retries=2)
    try:
        assert await llm.summarize(ARTICLE) == ["Recovered."]
    finally:
        await llm.aclose()
    assert len(server.requests) == 3


async def test_rate_limit_honours_retry_after(server: FakeLLM) -> None:
    server.script = [limited("0.3"), reply("- After the pause.")]
    llm = client(server, retries=1, backoff=0.0)
    loop = asyncio.get_running_loop()
    try:
        started = loop.time()
        assert await llm.summarize(ARTICLE) == ["After the pause."]
        waited = loop.time() - started
    finally:
        await llm.aclose()
    assert len(server.requests) == 2 and waited >= 0.3


@pytest.mark.parametrize(
    ("script", "message", "attempts"),
    [
        ([status(500)], "HTTP 500", 3),
        ([status(401)], "HTTP 401", 1),  # not retried: a bad key does not get better
        ([raw("{not json")], "malformed JSON", 1),
        ([raw(json.dumps({"choices": []}))], "no choices", 1),
        ([raw(json.dumps({"error": "x"}))], "no choices", 1),
        ([reply("   \n  ")], "empty summary", 1),
        ([slow(1.0)], "timed out", 3),
    ],
)
async def test_failures_raise_llm_error(
    server: FakeLLM, script: list[Handler], message: str, attempts: int
) -> None:
    server.script = script
    llm = client(server, retries=2, timeout=0.2)
    try:
        with pytest.raises(LLMError, match=message):
            await llm.summarize(ARTICLE)
    finally:
        await llm.aclose()
    assert len(server.requests) == attempts


async def test_a_dripping_endpoint_is_cut_off_at_the_total_deadline(server: FakeLLM) -> None:
    # ~100 bytes at 0.05 s each: every read is far inside the 2 s read timeout, the whole takes ~5 s.
    server.script = [drip("- Slowly.", every=0.05)]
    llm = client(server, retries=2, deadline=0.5)
    try:
        with pytest.raises(LLMError, match=r"longer than 0.5 s in total"):
            await llm.summarize(ARTICLE)
    finally:
        await llm.aclose()
    assert len(server.requests) == 1  # the deadline covers the retries too


async def test_an_oversized_answer_is_refused(server: FakeLLM) -> None:
    server.script = [reply("- " + "x" * 2_000_000)]
    llm = client(server, retries=0)
    try:
        with pytest.raises(LLMError, match="more than 1024 KB"):
            await llm.summarize(ARTICLE)
    finally:
        await llm.aclose()


async def test_unreachable_endpoint() -> None:
    llm = LLMSummarizer("http://127.0.0.1:9/v1", "m", retries=1, backoff=0.01, timeout=1.0)
    try:
        with pytest.raises(LLMError, match=r"could not be reached|timed out"):
            await llm.summarize(ARTICLE)
    finally:
        await llm.aclose()


def test_article_is_trimmed_to_the_token_budget() -> None:
    text = "A sentence of some length here. " * 2000
    trimmed = trim_to_tokens(text, 100)
    assert len(trimmed) <= 400 and trimmed.endswith(".")
    assert trim_to_tokens("short", 100) == "short"
    llm = LLMSummarizer("http://127.0.0.1:1/v1", "m", max_input_tokens=50)
    user = llm.build_messages(text, title=None, sentences=None, words=40)[1]["content"]
    assert "at most 40 words" in user and len(user) < 400


def _settings(url: str) -> Any:
    return load_settings({"SUMMARIZER": "llm", "LLM_BASE_URL": url, "LLM_MODEL": "m", "LLM_API_KEY": "k"},
                         env_file=None)


async def test_service_uses_the_llm(server: FakeLLM) -> None:
    server.script = [reply("- Budget approved.\n- Vote was 9 to 2.")]
    service = SummaryService(_settings(server.url))
    try:
        result = await service.summarize_text(ARTICLE, options=SummaryOptions(style="bullets"))
    finally:
        await service.aclose()
    assert result.method == "llm" and result.fallback_reason is None
    assert ARTICLE in server.requests[0]["messages"][1]["content"]
    assert result.sentences == ["Budget approved.", "Vote was 9 to 2."]
    assert result.summary == "• Budget approved.\n• Vote was 9 to 2."
    assert 0 < result.reduced_by < 1 and result.keywords


@pytest.mark.parametrize("script", [[status(500)], [raw("<html>oops")], [raw('{"choices": []}')]])
async def test_service_falls_back_to_extractive_and_says_why(server: FakeLLM, script: list[Handler]) -> None:
    server.script = script
    llm = LLMSummarizer(server.url, "m", retries=1, backoff=0.01, timeout=1.0)
    service = SummaryService(_settings(server.url), llm=llm, llm_cooldown=0)
    try:
        result = await service.summarize_text(ARTICLE, options=SummaryOptions(sentences=2))
    finally:
        await service.aclose()
    assert result.method == "extractive"
    assert result.fallback_reason and "LLM endpoint" in result.fallback_reason
    assert len(result.sentences) == 2 and all(s in ARTICLE for s in result.sentences)


async def test_service_sends_the_model_clean_text(server: FakeLLM) -> None:
    server.script = [reply("- Budget approved.")]
    html = f"<html><script>track()</script><body><p>{ARTICLE}</p><p>Share this article</p></body></html>"
    service = SummaryService(_settings(server.url))
    try:
        await service.summarize_text(html)
    finally:
        await service.aclose()
    sent = server.requests[0]["messages"][1]["content"]
    assert ARTICLE in sent and "<" not in sent and "track()" not in sent and "Share this" not in sent


async def test_after_a_failure_the_llm_rests_then_is_tried_again(server: FakeLLM) -> None:
    server.script = [status(500), reply("- Back again.")]
    llm = LLMSummarizer(server.url, "m", retries=0, timeout=1.0)
    service = SummaryService(_settings(server.url), llm=llm, llm_cooldown=60)
    try:
        first = await service.summarize_text(ARTICLE)
        second = await service.summarize_text(ARTICLE)
        assert first.method == second.method == "extractive" and len(server.requests) == 1
        assert second.fallback_reason and "HTTP 500" in second.fallback_reason
        service.llm_cooldown = 0
        service._llm_down_until = 0.0  # the pause is over
        third = await service.summarize_text(ARTICLE)
    finally:
        await service.aclose()
    assert third.method == "llm" and third.sentences == ["Back again."] and len(server.requests) == 2


@pytest.mark.parametrize(
    ("options", "expected"),
    [(SummaryOptions(sentences=2), ["One two three.", "Four five six."]),
     (SummaryOptions(words=7), ["One two three.", "Four five six."]),
     (SummaryOptions(words=5), ["One two three."])],
)
async def test_service_holds_the_model_to_the_budget(
    server: FakeLLM, options: SummaryOptions, expected: list[str]
) -> None:
    server.script = [reply("- One two three.\n- Four five six.\n- Seven eight nine.")]
    service = SummaryService(_settings(server.url))
    try:
        result = await service.summarize_text(ARTICLE, options=options)
    finally:
        await service.aclose()
    assert result.method == "llm" and result.sentences == expected
