"""`newsdesk summarize`: files, standard input, JSON output, errors, and the URL path."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import CliError
from bot.summarize.cli import fetch_article_text, run_summarize
from newsdesk.cli import main
from tests.loopback import serve

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = (
    "The city council approved a new budget for public libraries on Thursday after a long debate.\n"
    "The budget adds 2 million dollars for longer opening hours and new books.\n"
    "Council members voted 9 to 2 in favour of the plan, which takes effect in July.\n"
    "Librarians welcomed the decision, saying demand had grown every year since 2019.\n"
    "Leave a Reply\n"
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMARIZER", "LLM_"))}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _run(args: list[str], stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bot", "summarize", *args], input=stdin, capture_output=True,
                          cwd=cwd or ROOT, env=_env(), timeout=60, check=False)


def test_file_to_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the repo
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    assert main(["summarize", str(article), "--sentences", "2", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"summary", "sentences", "reduced_by", "keywords", "method"} <= payload.keys()
    assert len(payload["sentences"]) == 2 and all(s in ARTICLE for s in payload["sentences"])
    assert payload["method"] == "extractive" and 0 < payload["reduced_by"] < 1
    assert payload["summary"] == " ".join(payload["sentences"])


def test_stdin_with_bullets_and_word_budget(tmp_path: Path) -> None:
    done = _run(["-", "--bullets", "--words", "30"], stdin=ARTICLE.encode(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    bullets = [line for line in out.splitlines() if line.startswith("• ")]
    assert bullets and sum(len(b[2:].split()) for b in bullets) <= 30
    assert "reduced by" in out and "Leave a Reply" not in out


def test_html_file_is_stripped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "page.html"
    paragraphs = "".join(f"<p>{line}</p>" for line in ARTICLE.splitlines())
    page.write_text(f"<html><script>var a = 1;</script><body>{paragraphs}</body></html>", encoding="utf-8")
    assert main(["summarize", str(page), "--length", "short", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["sentences"]) == 2 and "<" not in payload["summary"] and "var a" not in payload["summary"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["-"], b"\x00\x01\x02binary\xff\xfe" * 100, "binary"),
        (["-"], b"   \n", "no text to summarize"),
        (["/definitely/not/here.txt"], None, "no such file"),
        (["-", "--words", "1"], ARTICLE.encode(), "words must be from"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path: Path, args: list[str], stdin: bytes | None, message: str) -> None:
    done = _run(args, stdin=stdin or b"", cwd=tmp_path)
    err = done.stderr.decode()
    assert done.returncode == 2 and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_sentences_and_words_are_mutually_exclusive(tmp_path: Path) -> None:
    done = _run(["-", "--sentences", "2", "--words", "20"], stdin=ARTICLE.encode(), cwd=tmp_path)
    assert done.returncode == 2 and "not allowed with" in done.stderr.decode()


def _args(**overrides: object) -> argparse.Namespace:
    values: dict[str, object] = {"source": "-", "sentences": None, "words": None, "length": None, "bullets": False,
                                 "json": True, "language": None}
    values.update(overrides)
    return argparse.Namespace(**values)


async def test_url_goes_through_the_injected_fetcher(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[str] = []

    async def fetch(url: str, settings: Settings) -> tuple[str | None, str]:
        seen.append(url)
        return "Library budget", ARTICLE

    settings = load_settings({}, env_file=None)
    assert await run_summarize(_args(source="https://example.com/a", sentences=1), settings, fetch=fetch) == 0
    assert seen == ["https://example.com/a"]
    assert len(json.loads(capsys.readouterr().out)["sentences"]) == 1


async def test_url_fetch_failure_is_a_cli_error() -> None:
    async def fetch(url: str, settings: Settings) -> tuple[str | None, str]:
        raise CliError("could not fetch https://example.com/a: HTTP 404")

    with pytest.raises(CliError, match="HTTP 404"):
        await run_summarize(_args(source="https://example.com/a"), load_settings({}, env_file=None), fetch=fetch)


async def test_url_goes_through_the_guarded_fetcher_and_extraction() -> None:
    from aiohttp import web

    paragraphs = "".join(f"<p>The council approved the new budget in a vote on Tuesday, sentence {n}.</p>"
                         for n in range(15))
    html = f"<html><head><title>Budget passes</title></head><body><article><h1>Budget passes</h1>{paragraphs}" \
           "</article></body></html>"

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    async with serve(lambda app: app.router.add_get("/a", page)) as base:
        allowed = load_settings({"NEWSDESK_ALLOW_PRIVATE_NETWORKS": "true"}, env_file=None)
        _title, text = await fetch_article_text(f"{base}/a", allowed)
        assert "council approved the new budget" in text
        with pytest.raises(CliError, match=r"127\.0\.0\.1"):  # loopback refused by default (SSRF guard)
            await fetch_article_text(f"{base}/a", load_settings({}, env_file=None))


@pytest.mark.parametrize("slug", ["library-late-fees", "us-bans-quantalk-transactions", "heatwave-grid-appeal"])
def test_an_html_file_summary_never_shows_the_headline_or_byline(
    slug: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from demo.content import DemoContent

    story = DemoContent.load().story(slug)
    page = tmp_path / f"{slug}.html"
    page.write_text(story.html, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["summarize", str(page), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["sentences"] and story.title not in payload["summary"]
    assert not any(s.startswith("By ") for s in payload["sentences"])
