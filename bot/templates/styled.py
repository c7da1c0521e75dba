"""A story post in a subscription's style: today's embed (the default, untouched without a template), the
embed with a templated description, plain text, or a Components V2 card (large image or compact thumbnail).

Each style has its limit (Discord's): the text of a plain post is its message content (2,000 characters,
role mention and extras included), a templated embed description stays within 4,096 and the embed's 6,000 in
total, a card's text displays within 4,000 together. The extras of every style are those of today's embed:
the featured comments and "Also reported by" (a merged story keeps its sources whatever its style).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from bot.posting.format import ALSO_REPORTED, LIMITS, STYLES, CardSpec, StoryPost
from bot.templates.language import Template, TemplateError, parse

__all__ = ["STARTERS", "STYLE_LIMITS", "STYLE_NAMES", "check_template", "styled_post"]

STYLE_NAMES = {"embed": "embed (today's look; a template sets its description)", "text": "plain text",
               "card": "card (Components V2, large image)", "compact": "compact card (Components V2, thumbnail)"}
# The longest template each style can show.
STYLE_LIMITS = {"embed": LIMITS["embed_description"], "text": LIMITS["content"], "card": LIMITS["card_text"],
                "compact": LIMITS["card_text"]}
# What a style shows when no template is set (an embed without a template is today's embed).
STARTERS = {
    "embed": "{summary|excerpt:600}",
    "text": "**{title}**\\n{summary|excerpt:300}\\n{link}",
    "card": "### [{title}]({link})\\n{summary|excerpt:500}\\n-# {outlet} · {published_relative|published}",
    "compact": "**[{title}]({link})**\\n{summary|excerpt:300}\\n-# {outlet} · {published_relative|published}",
}
_EXTRAS_CHARS = 900  # featured comments and other outlets in a plain post: the story's own text comes first
_MIN_TEXT = 200


def check_template(source: str, style: str) -> Template:
    """The parsed template for `style`, or TemplateError saying what is wrong."""
    if style not in STYLES:
        raise TemplateError(f"the style must be one of {', '.join(STYLES)}.")
    return parse(source, max_length=STYLE_LIMITS[style])


def _extras(base: StoryPost) -> tuple[tuple[str, str], ...]:
    spec = base.embed
    return tuple((name, text) for name, text in (("Featured", spec.featured), (ALSO_REPORTED, spec.also_reported))
                 if text)


def _within(text: str, limit: int) -> str:
    """Whole lines of `text` within `limit` characters (a cut markdown link would show its syntax)."""
    kept: list[str] = []
    for line in text.split("\n"):
        if len("\n".join([*kept, line])) > limit:
            break
        kept.append(line)
    return "\n".join(kept)


def styled_post(base: StoryPost, *, style: str, template: Template | None,
                values: Mapping[str, object]) -> StoryPost:
    """`base` (build_story_post's embed) in `style`, with `template` (None: the style's starter). Never raises:
    a template that no longer parses falls back to the style's starter."""
    if style not in STYLES or (style == "embed" and template is None):
        return base
    if template is None:
        try:
            template = parse(STARTERS[style])
        except TemplateError:  # pragma: no cover - the starters are tested
            return base
    mention = base.content or ""
    extras = _extras(base)
    if style == "embed":
        budget = min(LIMITS["embed_description"],
                     LIMITS["embed_total"] - (base.embed.total_length() - len(base.embed.description)))
        embed = dataclasses.replace(base.embed, description=template.render(values, budget))
        return dataclasses.replace(base, embed=embed)
    if style == "text":
        kept = [(name, _within(text, _EXTRAS_CHARS // max(1, len(extras)))) for name, text in extras]
        tail = "\n".join(f"**{name}**\n{text}" for name, text in kept if text)
        budget = LIMITS["content"] - len(mention) - len(tail) - 4
        body = template.render(values, max(_MIN_TEXT, budget))
        content = "\n".join(p for p in (mention, body, tail) if p)[:LIMITS["content"]]
        return dataclasses.replace(base, style="text", content=content or base.embed.url)
    extras_len = sum(len(a) + len(b) + 8 for a, b in extras)  # each shown as **name**\ntext
    budget = LIMITS["card_text"] - extras_len - len(mention)
    text = template.render(values, max(_MIN_TEXT, budget)) or base.embed.title
    card = CardSpec(text=text, image_url=base.embed.image_url, compact=style == "compact", extras=extras,
                    mention=mention or None)
    return dataclasses.replace(base, style=style, content=None, card=card)
