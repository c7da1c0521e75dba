"""Turn an article into the text of a story post, within Discord's limits, with feed text made inert.

Everything here is plain data: `cogs/support/embeds.py` turns a `StoryPost` into a discord.Embed. Feed text is
untrusted: in the fields Discord renders as markdown (title, description) markdown is escaped so a title cannot
break formatting, and mention syntax is broken with a zero-width space so it renders as text (allowed_mentions
stops pings as well; this stops the rendering). Author and footer are shown literally, so they are only cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "ALSO_REPORTED",
    "LIMITS",
    "STYLES",
    "CardSpec",
    "EmbedSpec",
    "StoryPost",
    "also_reported_lines",
    "build_story_post",
    "escape_mentions",
    "escape_text",
    "featured_line",
    "fit_escaped",
    "thread_name_for",
    "truncate_words",
]

# Discord's documented limits (characters).
LIMITS = {
    "content": 2000,
    "embed_title": 256,
    "embed_description": 4096,
    "embed_author": 256,
    "embed_footer": 2048,
    "embed_field_value": 1024,
    "embed_total": 6000,
    "card_text": 4000,  # a Components V2 message: all its text displays together
    "card_components": 40,
    "thread_name": 100,
}
# Keep story excerpts readable rather than filling the 4096 allowed.
EXCERPT_CHARS = 600
FEATURED_QUOTE_CHARS = 200  # a featured comment's quote under a post or in the digest
FEATURED_AUTHOR_CHARS = 80
OUTLET_CHARS = 80  # an outlet's name in "Also reported by"
ZWSP = "\u200b"
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]()#])")
_MENTION = re.compile(r"<(@[!&]?|#|/)")
_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)
_LIST_START = re.compile(r"^(\s*)([-+]|\d+\.)(\s)", re.MULTILINE)
_WS = re.compile(r"\s+")


def escape_mentions(text: str) -> str:
    """Make @everyone, @here and <@id>/<@&id>/<#id>/</cmd:id> render as plain text."""
    text = _EVERYONE.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)
    return _MENTION.sub(lambda m: f"<{ZWSP}{m.group(1)}", text)


def escape_text(text: str) -> str:
    """Escape markdown and mentions in untrusted text."""
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _LIST_START.sub(r"\1\\\2\3", text)
    return escape_mentions(text)


def truncate_words(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut `text` to at most `limit` characters at a word boundary, ending with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    if limit <= len(ellipsis):
        return ellipsis[:limit]
    cut = text[: limit - len(ellipsis)]
    space = cut.rfind(" ")
    if text[len(cut)].isspace():
        pass  # the cut already falls between two words
    elif space > limit // 2:  # a boundary not too far back; otherwise a long word is cut mid-way
        cut = cut[:space]
    cut = cut.rstrip(" ,;:-–—\\")
    return cut + ellipsis


def _clean(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def fit_escaped(text: str, limit: int, escape: Callable[[str], str] = escape_text) -> str:
    """Escape then truncate so that the escaped form fits (escaping adds characters)."""
    budget = limit
    while True:
        escaped = escape(truncate_words(text, budget))
        if len(escaped) <= limit or budget <= 1:
            return escaped[:limit]
        budget -= max(1, len(escaped) - limit)


@dataclass(frozen=True)
class EmbedSpec:
    title: str
    url: str
    description: str
    author: str | None
    timestamp: datetime | None
    image_url: str | None
    footer: str
    featured: str | None = None  # the "Featured" field: one line per featured comment (`featured_line`)
    also_reported: str | None = None  # the "Also reported by" field: one linked outlet a line

    def total_length(self) -> int:
        return sum(len(x) for x in (self.title, self.description, self.author or "", self.footer,
                                    "Featured" if self.featured else "", self.featured or "",
                                    ALSO_REPORTED if self.also_reported else "", self.also_reported or ""))


ALSO_REPORTED = "Also reported by"


STYLES = ("embed", "text", "card", "compact")  # how a story is posted (bot/templates): today's embed is "embed"


@dataclass(frozen=True)
class CardSpec:
    """A Components V2 story card (`cogs/support/cards.py` builds it): the template's text, the image as a
    full-width gallery under it or (`compact`) a thumbnail beside it, then titled extras ("Featured", "Also
    reported by"). `mention` ("<@&id>") is shown first: a V2 message has no content to carry it."""

    text: str
    image_url: str | None = None
    compact: bool = False
    extras: tuple[tuple[str, str], ...] = ()
    mention: str | None = None


@dataclass(frozen=True)
class StoryPost:
    content: str | None          # the message text outside the embed (a role mention, if configured)
    embed: EmbedSpec
    thread_name: str
    mention_role_id: int | None
    style: str = "embed"         # "text": `content` is the whole post, no embed; "card"/"compact": `card`
    card: CardSpec | None = None


def featured_line(author_name: str, content: str) -> str:
    """“A short quote” — author: a featured comment as one line, markdown and mentions made inert."""
    quote = fit_escaped(_clean(content) or "…", FEATURED_QUOTE_CHARS)
    author = fit_escaped(_clean(author_name) or "someone", FEATURED_AUTHOR_CHARS)
    return f"“{quote}” — {author}"


def also_reported_lines(sources: Sequence[tuple[str, str]], limit: int = LIMITS["embed_field_value"]) -> str:
    """One "[outlet](link)" line per (outlet, link), within `limit`; the sources that do not fit are counted."""
    lines: list[str] = []
    for n, (outlet, url) in enumerate(sources):
        name = fit_escaped(_clean(outlet) or "News", OUTLET_CHARS)
        # A masked link ends at the first ")" or space: encode them, and keep only web links.
        link = url.replace(" ", "%20").replace(")", "%29").replace(">", "%3E")
        line = f"[{name}]({link})" if link.startswith(("http://", "https://")) else name
        more = len(sources) - n - 1
        tail = f"\nand {more} more" if more else ""
        if len("\n".join([*lines, line])) + len(tail) > limit:
            return "\n".join([*lines, f"and {len(sources) - n} more"])
        lines.append(line)
    return "\n".join(lines)


def thread_name_for(title: str) -> str:
    """Thread names are shown as-is (no markdown) and capped at 100 characters."""
    name = _clean(title) or "Discussion"
    return fit_escaped(name, LIMITS["thread_name"], escape_mentions)


def build_story_post(
    *, title: str, url: str, source: str, excerpt: str | None = None, author: str | None = None,
    published: datetime | None = None, image_url: str | None = None, mention_role_id: int | None = None,
    featured: Sequence[tuple[str, str]] = (), also_reported: Sequence[tuple[str, str]] = (),
) -> StoryPost:
    """The post of one story; `featured`: (author name, comment text) of the comments moderators featured;
    `also_reported`: (outlet, link) of the other articles merged into this story."""
    clean_title = _clean(title) or url
    description = fit_escaped(_clean(excerpt), EXCERPT_CHARS) if excerpt else ""
    embed = EmbedSpec(
        title=fit_escaped(clean_title, LIMITS["embed_title"]),
        url=url,
        description=description,
        # Author names and footers are shown literally (no markdown, no mentions): escaping would show.
        author=truncate_words(_clean(author), LIMITS["embed_author"]) if author else None,
        timestamp=published,
        image_url=image_url if image_url and image_url.startswith(("http://", "https://")) else None,
        footer=truncate_words(_clean(source) or "News", LIMITS["embed_footer"]),
        featured="\n".join(featured_line(name, text) for name, text in featured)[:LIMITS["embed_field_value"]]
        or None,
        also_reported=also_reported_lines(also_reported) or None,
    )
    assert embed.total_length() <= LIMITS["embed_total"]
    content = f"<@&{mention_role_id}>" if mention_role_id else None
    return StoryPost(content=content, embed=embed, thread_name=thread_name_for(clean_title),
                     mention_role_id=mention_role_id)
