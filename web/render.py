"""How pages are rendered: the Jinja2 environment (autoescaped, strict about missing values) and the filters
templates use. Everything a page shows passes through here escaped; `Markup` only wraps what we built."""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2
from markupsafe import Markup, escape

from bot.insights import MARK_END, MARK_START

__all__ = ["highlight", "templates", "web_link", "when"]


def when(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def web_link(url: str | None) -> str | None:
    """Only http(s) addresses become links: a feed's `javascript:` or `data:` URL is shown, never followed."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def highlight(snippet: str) -> Markup:
    """A search snippet, escaped, with its matches in <mark>."""
    return Markup(str(escape(snippet)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("web", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["when"] = when
    env.filters["highlight"] = highlight
    env.filters["web_link"] = web_link
    return env
