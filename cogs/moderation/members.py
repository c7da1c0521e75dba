"""/mod user and the "Member history" user menu: a member's comments, removals, reports, holds, mutes and notes
across the server, paged (the dashboard's member page shows the same, and exports it)."""

from __future__ import annotations

import io

import discord
from discord import app_commands

from bot.comments.tree import paginate
from bot.formats import plural
from bot.moderation.actions import entry_text
from bot.moderation.review import HOLD_WORDS
from bot.posting.format import escape_mentions, truncate_words
from cogs.moderation.base import ModerationBase
from cogs.support.checks import has_server_permissions
from cogs.support.replies import UserFacingError
from cogs.support.views import PagerView

__all__ = ["MemberCommands"]


class MemberCommands(ModerationBase):
    @app_commands.command(name="user", description="A member's comments, removals, mutes and moderators' notes")
    @has_server_permissions(manage_messages=True)
    @app_commands.describe(export="Attach the whole history as a JSON file instead")
    async def user(self, interaction: discord.Interaction, member: discord.User, export: bool = False) -> None:
        if export:
            assert interaction.guild_id is not None
            data = await self.services.member_export.export(interaction.guild_id, member.id)
            await interaction.response.send_message(
                f"{member.mention}'s history in this server (ids as strings, times in UTC).", ephemeral=True,
                file=discord.File(io.BytesIO(data), filename=f"member-{interaction.guild_id}-{member.id}.json"))
            return
        await self.show_history(interaction, member)

    async def history_from_menu(self, interaction: discord.Interaction, member: discord.User) -> None:
        """The "Member history" user menu (right-click a member › Apps)."""
        perms = interaction.permissions
        if not (perms.manage_messages or perms.administrator):
            raise UserFacingError("Member history is for moderators (it needs Manage Messages).")
        await self.show_history(interaction, member)

    async def show_history(self, interaction: discord.Interaction, member: discord.User) -> None:
        assert interaction.guild_id is not None
        guild_id, moderation = interaction.guild_id, self.services.moderation
        comments = await self.services.comments.by_author(guild_id, member.id, limit=200)
        actions = [a for a in await moderation.history(guild_id, user_id=member.id, limit=200)
                   if a.target_user_id == member.id]
        notes = await moderation.notes(guild_id, member.id)
        mute = await moderation.active_mute(guild_id, member.id)
        review = await self.services.review.about_member(guild_id, member.id)
        removed = sum(1 for c in comments if c.status == "removed")
        hold = review.member_hold
        lines = [f"{plural(len(comments), 'comment')} ({removed} removed)"
                 + (f"; muted until <t:{int(mute.expires_at)}:f>" if mute and mute.expires_at else
                    "; muted" if mute else "")
                 + (f"; comments held for review until <t:{int(hold.expires_at)}:f>" if hold and hold.expires_at
                    else "; comments held for review" if hold else "")]
        lines += [f"🚩 reported by {plural(r.count, 'member')} ({', '.join(r.reasons)}): comment {r.message_id}"
                  for r in review.reports]
        lines += [f"⏸️ <t:{int(h.held_at)}:d> comment {h.message_id} held ({HOLD_WORDS.get(h.kind, h.kind)})"
                  + (f", {h.decision}" if h.decision else ", waiting in /mod queue") for h in review.holds]
        lines += [f"📝 <t:{int(n.created_at)}:d> <@{n.author_id}>: {escape_mentions(truncate_words(n.text, 300))}"
                  for n in notes]
        lines += [f"⚖️ <t:{int(a.created_at)}:d> {entry_text(a, bot_user_id=self.bot_user_id)}" for a in actions]
        lines += [f"💬 <t:{int(c.created_at)}:d> <#{c.thread_id}>"
                  + (f" [{c.status}]" if c.status != "visible" else "")
                  + f": {escape_mentions(truncate_words(' '.join(c.content.split()), 200))}" for c in comments]
        pages = paginate(lines)
        view = PagerView(pages, interaction.user.id, title=f"{member.display_name}'s history")
        await interaction.response.send_message(view.render(), view=view, ephemeral=True)
