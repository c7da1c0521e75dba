"""`/feed import` and `/feed export`: OPML through Discord (the file parsing and following are in
bot/feeds/opml.py and FeedSubscriptions; this turns an attachment into a preview with a Confirm button, and a
guild's feeds into an .opml attachment). Called from FeedsCog, which declares the commands."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord

from bot.feeds.opml import MAX_OPML_BYTES, OpmlProblem, parse_opml
from bot.feeds.subscriptions import FeedProblem
from bot.formats import plural
from bot.posting.format import escape_text, truncate_words
from cogs.support.replies import UserFacingError
from cogs.support.views import ConfirmView

if TYPE_CHECKING:
    from bot.feeds.opml import OpmlFeed
    from bot.services import Services

__all__ = ["export_feeds", "preview_import"]

_PREVIEW_LINES = 15


async def preview_import(services: Services, interaction: discord.Interaction, file: discord.Attachment,
                         channel: discord.TextChannel | discord.ForumChannel, mode: str) -> None:
    """Read the attached OPML, show what would be followed in `channel`, follow it on Confirm."""
    assert interaction.guild_id is not None
    guild_id = interaction.guild_id
    if file.size > MAX_OPML_BYTES:
        raise UserFacingError(f"That file is {file.size // 1000:,} KB; an OPML import is limited to "
                              f"{MAX_OPML_BYTES // 1_000_000} MB. Split it, or export fewer feeds. Nothing was imported.")
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        document = parse_opml(await file.read())
        new, already = await services.feed_subscriptions.import_plan(guild_id, document, channel.id)
    except (OpmlProblem, FeedProblem) as exc:
        raise UserFacingError(f"Cannot import {escape_text(truncate_words(file.filename, 80))}: {exc} "
                              "Nothing was imported.") from None
    lines = [f"**{plural(len(new), 'feed')}** would be followed in {channel.mention}"
             f" ({mode} mode), each starting with its next new story:"]
    lines += [f"• {_label(f)}" for f in new[:_PREVIEW_LINES]]
    if len(new) > _PREVIEW_LINES:
        lines.append(f"…and {len(new) - _PREVIEW_LINES} more")
    if already:
        lines.append(f"Already followed there: {plural(len(already), 'feed')}.")
    if document.skipped:
        lines.append(f"Not importable: {plural(len(document.skipped), 'outline')} "
                     f"({escape_text(truncate_words('; '.join(document.skipped), 300))}).")
    text = truncate_words("\n".join(lines), 1900)
    if not new:
        await interaction.followup.send(text + "\nNothing to do.", ephemeral=True)
        return
    summary = (await services.guild_settings.get(guild_id)).auto_summary

    async def confirmed(confirm: discord.Interaction) -> None:
        await confirm.response.edit_message(content=f"Following {plural(len(new), 'feed')}…", view=None)
        followed, problems = await services.feed_subscriptions.import_feeds(
            guild_id, new, mode=mode, summary=summary, created_by=confirm.user.id)
        services.scheduler.wake()
        answer = f"Imported: now following {plural(followed, 'feed')} in {channel.mention}."
        if problems:
            answer += (f"\n{plural(len(problems), 'feed')} could not be followed:\n"
                       + "\n".join(f"• {escape_text(truncate_words(p, 200))}" for p in problems[:10]))
        await confirm.edit_original_response(content=truncate_words(answer, 2000))

    await interaction.followup.send(
        text, view=ConfirmView(interaction.user.id, confirmed, confirm_label=f"Follow {len(new)}"), ephemeral=True)


async def export_feeds(services: Services, interaction: discord.Interaction,
                       channel: discord.abc.GuildChannel | None) -> None:
    """The guild's followed feeds (one channel's, with `channel`) as an .opml attachment."""
    assert interaction.guild_id is not None
    data, count = await services.feed_subscriptions.export_opml(interaction.guild_id,
                                                                channel.id if channel else None)
    if not count:
        raise UserFacingError("No feeds are followed " + (f"in {channel.mention}." if channel else "here yet."))
    where = f" in {channel.mention}" if channel else ""
    await interaction.response.send_message(
        f"{plural(count, 'feed')} followed{where}, as OPML (any feed reader, or `/feed import`, reads it).",
        file=discord.File(io.BytesIO(data), filename="newsdesk-feeds.opml"), ephemeral=True)


def _label(feed: OpmlFeed) -> str:
    return escape_text(truncate_words(feed.title or feed.url, 90)) + (
        f" <{truncate_words(feed.url, 120)}>" if feed.title else "")
