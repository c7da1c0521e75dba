"""`/feed template`: a feed's message template and post style, written in a form (or one line), previewed
against the feed's latest story, then saved with Save or dropped with Cancel. Called from FeedsCog, which
declares the command; the language and the styles are in bot/templates/.

The preview comes in two private messages: the question (what, from which story, Save/Cancel) and the post
exactly as it would be sent (content, embed or Components V2 card), so a plain post's preview has its 2,000
characters and a card is shown by Discord itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.posting.format import escape_text, truncate_words
from bot.templates.language import TemplateError
from bot.templates.styled import STARTERS, STYLE_NAMES
from cogs.support.cards import card_items
from cogs.support.embeds import story_embed
from cogs.support.replies import UserFacingError
from cogs.support.views import ConfirmView

if TYPE_CHECKING:
    from bot.services import Services
    from bot.storage.feeds import Subscription
    from bot.templates.service import Preview

__all__ = ["TemplateModal", "edit_template"]

log = logging.getLogger(__name__)
TEMPLATE_INPUT = "template"
_FORM_CHARS = 4000  # Discord's longest text input


class TemplateModal(discord.ui.Modal, title="Story template"):
    """The template in a multi-line text input, prefilled with the current one (or the style's starter)."""

    def __init__(self, default: str, on_submit: Callable[[discord.Interaction, str], Awaitable[None]]) -> None:
        super().__init__()
        self.text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Template ({title}, {summary|excerpt:300}, …)", style=discord.TextStyle.paragraph,
            default=default[:_FORM_CHARS], max_length=_FORM_CHARS, custom_id=TEMPLATE_INPUT)
        self.add_item(self.text)
        self._submit = on_submit

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._submit(interaction, self.text.value)

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        log.error("template form failed", exc_info=error)
        if not interaction.response.is_done():
            await interaction.response.send_message("Something went wrong; nothing was saved.", ephemeral=True)


async def edit_template(services: Services, interaction: discord.Interaction, sub: Subscription, *,
                        style: str | None, template: str | None, reset: bool) -> None:
    """Start `/feed template`: straight to the preview for `reset` or a one-line `template`, else the form."""
    if reset:
        await _preview(services, interaction, sub, style="embed", template=None)
        return
    chosen = style or sub.card_style
    if template is not None:
        await _preview(services, interaction, sub, style=chosen, template=template)
        return
    current = sub.template if sub.template and chosen == sub.card_style else STARTERS[chosen]

    async def submitted(submit: discord.Interaction, text: str) -> None:
        await _preview(services, submit, sub, style=chosen, template=text)

    await interaction.response.send_modal(TemplateModal(current.replace("\\n", "\n"), submitted))


async def _preview(services: Services, interaction: discord.Interaction, sub: Subscription, *, style: str,
                   template: str | None) -> None:
    try:
        services.story_templates.check(template, style)  # a mistake is told at once, before any slow work
    except TemplateError as exc:
        if interaction.type is discord.InteractionType.modal_submit:  # a form's answer does not reach the tree
            await interaction.response.send_message(f"Not saved: {exc}", ephemeral=True)
            return
        raise UserFacingError(f"Not saved: {exc}") from None
    # `{summary}` may summarize the latest story first: longer than Discord's 3 seconds to answer.
    await interaction.response.defer(ephemeral=True, thinking=True)
    preview = await services.story_templates.preview(sub, style=style, template=template)

    async def save(confirm: discord.Interaction) -> None:
        try:
            await services.story_templates.save(sub.id, style=preview.style, template=preview.template)
        except TemplateError as exc:  # cannot happen for a previewed template; said plainly if it does
            await confirm.response.edit_message(content=f"Not saved: {exc}", view=None)
            return
        await confirm.response.edit_message(
            content=f"Saved: new stories of this feed are posted as {STYLE_NAMES[preview.style]}"
                    + (" with the template shown." if preview.template else
                       "." if preview.style == "embed" else " with the style's default template."), view=None)

    view = ConfirmView(interaction.user.id, save, confirm_label="Save")
    view.confirm.style = discord.ButtonStyle.success
    quiet = discord.AllowedMentions.none()
    await interaction.followup.send(_question(preview), view=view, ephemeral=True, allowed_mentions=quiet)
    await interaction.followup.send(ephemeral=True, allowed_mentions=quiet, **_post_fields(preview))


def _question(preview: Preview) -> str:
    source = "a sample story (this feed has none stored yet)" if preview.sample else "the feed's latest story"
    what = (f"```\n{truncate_words(preview.template.replace('`', 'ˋ'), 900)}\n```" if preview.template
            else "(no template: " + ("today's embed)" if preview.style == "embed" else "the style's default)"))
    return (f"**Preview** of {escape_text(STYLE_NAMES[preview.style])}, made from {source}, below. Template:\n"
            f"{what}\n**Save** to post new stories this way; **Cancel** changes nothing.")


def _post_fields(preview: Preview) -> dict[str, Any]:
    post = preview.post
    if post.card is not None:
        view = discord.ui.LayoutView(timeout=None)
        for item in card_items(post.card):
            view.add_item(item)
        view.stop()
        return {"view": view}
    if post.style == "text":
        return {"content": post.content or "(empty)"}
    return {"content": post.content, "embed": story_embed(post.embed)}
