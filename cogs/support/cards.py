"""Plain story data to a Components V2 message (`discord.ui.LayoutView`, sent with the IS_COMPONENTS_V2 flag),
and to the keyword arguments of a send or an edit in each post style.

A card: an optional top-level text with the role mention (a V2 message has no content), then one container
with the template's text (beside a thumbnail when compact, else above a full-width media gallery), a separator
and a text display per extra (featured comments, other outlets), and the Summarize button in an action row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord

from bot.posting.format import CardSpec, StoryPost
from cogs.support.embeds import NEWS_COLOUR, story_embed
from cogs.support.views import story_view, summarize_button

__all__ = ["card_items", "carries_link", "edit_fields", "send_fields", "story_card"]


def card_items(spec: CardSpec) -> list[discord.ui.Item[Any]]:
    """The card's top-level items (without the Summarize row): for a story post and for a preview."""
    items: list[discord.ui.Item[Any]] = []
    if spec.mention:
        items.append(discord.ui.TextDisplay(spec.mention))
    container: discord.ui.Container[Any] = discord.ui.Container(accent_colour=NEWS_COLOUR)
    if spec.image_url and spec.compact:
        container.add_item(discord.ui.Section(discord.ui.TextDisplay(spec.text),
                                              accessory=discord.ui.Thumbnail(spec.image_url)))
    else:
        container.add_item(discord.ui.TextDisplay(spec.text))
        if spec.image_url:
            container.add_item(discord.ui.MediaGallery(discord.MediaGalleryItem(spec.image_url)))
    for name, text in spec.extras:
        container.add_item(discord.ui.Separator())
        container.add_item(discord.ui.TextDisplay(f"**{name}**\n{text}"))
    items.append(container)
    return items


def story_card(spec: CardSpec, article_id: int) -> discord.ui.LayoutView:
    """The card of a story post with its persistent Summarize button (answered by the summarize cog's
    DynamicItem; the view is stopped so discord.py does not keep it, as for `story_view`)."""
    view = discord.ui.LayoutView(timeout=None)
    for item in card_items(spec):
        view.add_item(item)
    view.add_item(discord.ui.ActionRow(summarize_button(article_id)))
    view.stop()
    return view


def _card(story: StoryPost) -> CardSpec:
    """The story's card; for a post sent as a card before its subscription changed style, one made from the
    embed (a V2 message cannot become an embed again)."""
    if story.card is not None:
        return story.card
    e = story.embed
    text = f"### [{e.title}]({e.url})" + (f"\n{e.description}" if e.description else "") + f"\n-# {e.footer}"
    extras = tuple((n, t) for n, t in (("Featured", e.featured), ("Also reported by", e.also_reported)) if t)
    return CardSpec(text=text, image_url=e.image_url, extras=extras)


def send_fields(story: StoryPost, article_id: int) -> dict[str, Any]:
    """content / embed / view of a new story post in its style."""
    if story.style in ("card", "compact"):
        return {"view": story_card(_card(story), article_id)}
    if story.style == "text":
        return {"content": story.content, "view": story_view(article_id)}
    return {"content": story.content, "embed": story_embed(story.embed), "view": story_view(article_id)}


def edit_fields(story: StoryPost, message: discord.Message | None, article_id: int) -> dict[str, Any] | None:
    """What to edit in `message` (a story post) to show `story`, in the style the post was sent in (the
    story's own style when `message` is unknown); None when nothing can be shown in that style (a plain post
    of a subscription now posting embeds or cards)."""
    v2 = message.flags.components_v2 if message is not None else story.style in ("card", "compact")
    if v2:
        return {"view": story_card(_card(story), article_id)}
    if message.embeds if message is not None else story.style == "embed":
        return {"embed": story_embed(story.embed)}
    if story.style == "text" and story.content:
        return {"content": story.content}
    return None


def _texts(components: Iterable[Any]) -> Iterable[str]:
    for c in components:
        content = getattr(c, "content", None)
        if isinstance(content, str):
            yield content
        yield from _texts(getattr(c, "children", None) or [])
        accessory = getattr(c, "accessory", None)
        if accessory is not None:
            yield from _texts([accessory])


def carries_link(message: discord.Message, url: str) -> bool:
    """Whether `message` is a story post of `url`, in any style (embed, plain text, card)."""
    return (any(e.url == url for e in message.embeds) or url in message.content
            or any(url in text for text in _texts(message.components)))
