"""The message template language: `{field}`, fallbacks `{summary|excerpt}`, a literal last resort
`{author|"Staff"}`, length limits `{summary:200}` (cut at a word boundary, with an ellipsis), and `{{` / `}}`
for literal braces. A two-character `\\n` is a line break (slash command options cannot hold one).

`parse` reads a template in one left-to-right scan (no regex over the whole text, bounded by `MAX_TEMPLATE`)
and raises `TemplateError` with what is wrong and where: an unknown field (with the nearest known one), a `{`
never closed, a lone `}`, an empty placeholder, a bad limit, a template too long. `Template.render` never
raises: missing or odd values are empty (then the next fallback is tried), each value is cut to its limit and
made inert (markdown escaped, mentions broken) unless it is a link, and the whole output has its mentions
broken too (the template's own text included) and is cut to the caller's limit.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.posting.format import escape_mentions, escape_text, fit_escaped, truncate_words

__all__ = ["FIELDS", "MAX_LIMIT", "MAX_PLACEHOLDERS", "MAX_TEMPLATE", "RAW_FIELDS", "Placeholder", "Template",
           "TemplateError", "parse"]

# Every field a placeholder may name, with what it holds (the README's table says the same).
FIELDS: dict[str, str] = {
    "title": "the headline",
    "link": "the article's link",
    "url": "the article's link (same as link)",
    "summary": "Newsdesk's two-sentence summary of the article (empty when it cannot make one)",
    "excerpt": "the feed's own teaser of the article",
    "author": "the byline, when the feed gives one",
    "outlet": "the feed's name, else the site's host",
    "published": "when it was published, in the server's time zone and format (/settings)",
    "published_relative": "when it was published, as Discord shows it to each reader (\"3 hours ago\")",
    "image": "the article's image link",
    "tags": "the feed's categories for the article, comma-separated",
    "keywords": "the article's main words, from its title and teaser",
}
# Links and Discord timestamps are shown as they are: escaping markdown in them would break them.
RAW_FIELDS = frozenset({"link", "url", "image", "published_relative"})
MAX_TEMPLATE = 4000          # characters: the most any style can show (a Components V2 card's text)
MAX_PLACEHOLDERS = 60
MAX_LIMIT = 4000
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz_")


class TemplateError(ValueError):
    """What is wrong with a template, for the person who wrote it (one sentence, with the position)."""


@dataclass(frozen=True)
class Placeholder:
    """`{a|b|"text":N}`: the first of `fields` with a value, else `literal`, cut to `limit` characters."""

    fields: tuple[str, ...]
    literal: str | None = None
    limit: int | None = None

    def render(self, values: Mapping[str, object]) -> str:
        for name in self.fields:
            value = _plain(values.get(name))
            if value:
                return _shown(name, value, self.limit)
        if self.literal:  # the template's own text: its markdown is meant
            return truncate_words(self.literal, self.limit) if self.limit else self.literal
        return ""


@dataclass(frozen=True)
class Template:
    source: str
    parts: tuple[str | Placeholder, ...]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(f for p in self.parts if isinstance(p, Placeholder) for f in p.fields)

    @property
    def static_length(self) -> int:
        """Characters of literal text: what the template shows even when every field is empty."""
        return sum(len(p) for p in self.parts if isinstance(p, str))

    def render(self, values: Mapping[str, object], limit: int) -> str:
        """The text for `values` (field -> value; missing, None or odd values count as empty), at most `limit`
        characters, with every mention made inert. Never raises."""
        out = "".join(p if isinstance(p, str) else p.render(values) for p in self.parts)
        return truncate_words(escape_mentions(out).strip(), limit)


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(s for s in (_plain(v) for v in value) if s)
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # an object whose str() fails renders as nothing rather than stopping a post
        return ""
    return text.replace("\x00", "").strip()


def _shown(name: str, value: str, limit: int | None) -> str:
    if name == "published_relative":
        return value if value.startswith("<t:") else ""
    if name in RAW_FIELDS:
        # A link is never cut (a cut link leads nowhere), only kept inert: no spaces, no markdown closers.
        if not value.startswith(("http://", "https://")):
            return ""
        return value.replace(" ", "%20").replace(")", "%29").replace(">", "%3E")
    escape: Callable[[str], str] = escape_text
    return fit_escaped(value, limit, escape) if limit else escape(value)


def parse(source: str, *, max_length: int = MAX_TEMPLATE) -> Template:
    """The template in `source`. Raises TemplateError (see the module docstring)."""
    if len(source) > max_length:
        raise TemplateError(f"the template is {len(source):,} characters; this style takes at most {max_length:,}.")
    parts: list[str | Placeholder] = []
    text: list[str] = []
    i, n, placeholders = 0, len(source), 0
    while i < n:
        ch = source[i]
        if ch == "\\" and source.startswith("\\n", i):
            text.append("\n")
            i += 2
        elif ch == "{" and source.startswith("{{", i):
            text.append("{")
            i += 2
        elif ch == "}" and source.startswith("}}", i):
            text.append("}")
            i += 2
        elif ch == "}":
            raise TemplateError(f"a `}}` at character {i + 1} closes nothing; write `}}}}` for a literal brace.")
        elif ch == "{":
            end = _closing(source, i)
            placeholders += 1
            if placeholders > MAX_PLACEHOLDERS:
                raise TemplateError(f"a template takes at most {MAX_PLACEHOLDERS} placeholders.")
            if text:
                parts.append("".join(text))
                text = []
            parts.append(_placeholder(source[i + 1:end], i))
            i = end + 1
        else:
            text.append(ch)
            i += 1
    if text:
        parts.append("".join(text))
    return Template(source, tuple(parts))


def _closing(source: str, start: int) -> int:
    """The index of the `}` closing the placeholder opened at `start` (quoted text may hold braces)."""
    i, quoted = start + 1, False
    while i < len(source):
        ch = source[i]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "}":
            return i
        elif not quoted and ch in "{\n":
            break
        i += 1
    raise TemplateError(f"the `{{` at character {start + 1} is never closed; close it with `}}`, "
                        "or write `{{` for a literal brace.")


def _placeholder(body: str, at: int) -> Placeholder:
    where = f"the placeholder at character {at + 1}"
    limit: int | None = None
    head, colon, tail = body.rpartition(":")
    if colon and '"' not in tail:
        digits = tail.strip()
        if not digits.isdigit() or not 1 <= int(digits) <= MAX_LIMIT:
            raise TemplateError(f"{where}: the length limit after `:` must be a whole number from 1 to {MAX_LIMIT}.")
        limit, body = int(digits), head
    fields: list[str] = []
    literal: str | None = None
    for k, alternative in enumerate(_alternatives(body, where)):
        alt = alternative.strip()
        if literal is not None:
            raise TemplateError(f"{where}: quoted text must be the last choice (nothing after it is ever used).")
        if len(alt) >= 2 and alt[0] == '"' and alt[-1] == '"':
            literal = alt[1:-1]
            continue
        if not alt:
            raise TemplateError(f"{where} is empty" if k == 0 and not body.strip()
                                else f"{where} has an empty choice between `|`.")
        if not set(alt) <= _NAME_CHARS or alt not in FIELDS:
            near = difflib.get_close_matches(alt.lower(), list(FIELDS), n=1)
            hint = f" (did you mean `{near[0]}`?)" if near else f"; fields are: {', '.join(FIELDS)}"
            raise TemplateError(f"{where}: there is no field `{truncate_words(alt, 40)}`{hint}")
        fields.append(alt)
    return Placeholder(tuple(fields), literal, limit)


def _alternatives(body: str, where: str) -> list[str]:
    """`a|b|"x|y"` split on the `|` outside quotes."""
    out: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in body:
        if ch == '"':
            quoted = not quoted
        if ch == "|" and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
    if quoted:
        raise TemplateError(f"{where}: a quoted text is never closed with `\"`.")
    out.append("".join(current))
    return out
