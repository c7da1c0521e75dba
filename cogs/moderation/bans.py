"""/mod ban|unban: keep a member out of article comments for good (a mute without an end), optionally removing
their earlier comments after one confirmation.

The removal is queued in the database first (`CommentBans.ban`), then carried out by one background task
thread by thread, in batches (`removal_batches`: bulk deletes for recent messages, single deletes for those
older than 14 days), each batch recorded as it goes; discord.py waits out 429s. The moderator's ephemeral
reply shows the progress. After a restart the task finds what is left at start-up and finishes it; the end
is logged (and so posted to #mod-log) either way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from bot.background import BackgroundTask
from bot.formats import plural
from bot.moderation.bans import PendingRemoval, removal_batches
from cogs.moderation.base import ModerationBase
from cogs.support.checks import has_server_permissions
from cogs.support.deleting import delete_messages
from cogs.support.replies import UserFacingError
from cogs.support.views import ConfirmView

__all__ = ["BanCommands", "BanRemovals"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int, int, bool], Awaitable[None]]  # (removed, refused, total, finished)


class BanRemovals:
    """The one owner of ban removals: a background task that works through every pending removal."""

    def __init__(self, cog: ModerationBase) -> None:
        self._cog = cog
        self._progress: dict[tuple[int, int], Progress] = {}
        self._task = BackgroundTask("ban-removals", self._step, every=300.0)

    def start(self, after: Callable[[], Awaitable[object]]) -> None:
        self._task.start(after=after)  # at start-up: finishes what a restart interrupted

    async def stop(self) -> None:
        await self._task.stop()

    def run(self, guild_id: int, user_id: int, progress: Progress) -> None:
        """Remove what is queued for this member now, telling `progress` as batches go."""
        self._progress[(guild_id, user_id)] = progress
        self._task.wake()

    async def _step(self) -> None:
        for job in await self._cog.services.bans.pending():
            if self._cog.bot.get_guild(job.guild_id) is None:
                continue  # another shard's guild
            try:
                await self._remove(job)
            except discord.HTTPException as exc:  # what discord.py's retries could not get through: next step
                log.warning("guild %s: removal of %s's comments paused: %s", job.guild_id, job.user_id, exc)

    async def _remove(self, job: PendingRemoval) -> None:
        bans, total = self._cog.services.bans, job.count
        progress = self._progress.get((job.guild_id, job.user_id))
        done = refused = 0
        for thread_id, ids in job.threads.items():
            channel = await self._cog.thread(thread_id)
            for batch in removal_batches(ids):
                if channel is not None:  # else the thread is gone, and its messages with it
                    try:
                        await delete_messages(channel, batch.message_ids, reason="ban from comments", bulk=batch.bulk)
                    except discord.HTTPException as exc:
                        if exc.status >= 500 or exc.status == 429:
                            raise  # outlasted discord.py's retries: the next step tries again
                        # refused for good (no Manage Messages there, ...): retrying would loop forever
                        log.warning("guild %s: %s of %s's comments in %s not removed: %s", job.guild_id,
                                    len(batch.message_ids), job.user_id, thread_id, exc)
                        await bans.refused(batch.message_ids)
                        refused += len(batch.message_ids)
                        continue
                await bans.removed(job, batch.message_ids)
                done += len(batch.message_ids)
                if progress is not None:
                    await _tell(progress, done, refused, total, False)
        await bans.finished(job, removed=done, refused=refused)
        self._progress.pop((job.guild_id, job.user_id), None)
        if progress is not None:
            await _tell(progress, done, refused, total, True)


async def _tell(progress: Progress, done: int, refused: int, total: int, finished: bool) -> None:
    try:
        await progress(done, refused, total, finished)
    except discord.HTTPException as exc:  # the reply's token expired (15 minutes): the work goes on
        log.info("cannot show removal progress: %s", exc)


class BanCommands(ModerationBase):
    removals: BanRemovals

    @app_commands.command(name="ban", description="Stop a member from commenting in article threads, for good")
    @has_server_permissions(manage_messages=True)
    @app_commands.describe(remove_past="Also remove their earlier comments (asks to confirm)",
                           reason="Shown in the mod log")
    async def ban(self, interaction: discord.Interaction, member: discord.User, remove_past: bool = False,
                  reason: str | None = None) -> None:
        assert interaction.guild_id is not None
        guild_id, bans = interaction.guild_id, self.services.bans
        past = await bans.past_comments(guild_id, member.id) if remove_past else []
        if not past:
            await bans.ban(guild_id=guild_id, user_id=member.id, moderator_id=interaction.user.id, reason=reason)
            extra = " They have no comments up to remove." if remove_past else ""
            await interaction.response.send_message(
                f"{member.mention} is banned from commenting in article threads.{extra}", ephemeral=True)
            return

        async def confirmed(confirm: discord.Interaction) -> None:
            queued = await bans.ban(guild_id=guild_id, user_id=member.id, moderator_id=confirm.user.id,
                                    reason=reason, remove=past)
            await confirm.response.edit_message(
                content=f"{member.mention} is banned. Removing {plural(queued, 'comment')}: 0 done…", view=None)

            async def progress(done: int, refused: int, total: int, finished: bool) -> None:
                text = (f"{member.mention} is banned. Removed {done} of {plural(total, 'earlier comment')}."
                        if finished else
                        f"{member.mention} is banned. Removing comments: {done + refused} of {total} done…")
                if refused:
                    text += (f" {refused} could not be removed: I lack Manage Messages in their threads' channel; "
                             "ask an admin to grant it to my role, then purge them with /mod purge.")
                await confirm.edit_original_response(content=text)

            self.removals.run(guild_id, member.id, progress)

        await interaction.response.send_message(
            f"Ban {member.mention} from comments and remove **{plural(len(past), 'comment')}** they wrote? "
            "The removal cannot be undone on Discord.",
            view=ConfirmView(interaction.user.id, confirmed, confirm_label=f"Ban and remove {len(past)}"),
            ephemeral=True)

    @app_commands.command(name="unban", description="Let a member banned from comments comment again")
    @has_server_permissions(manage_messages=True)
    async def unban(self, interaction: discord.Interaction, member: discord.User, reason: str | None = None) -> None:
        assert interaction.guild_id is not None
        if not await self.services.bans.unban(guild_id=interaction.guild_id, user_id=member.id,
                                              moderator_id=interaction.user.id, reason=reason):
            raise UserFacingError(f"{member.mention} is not banned from comments.")
        await interaction.response.send_message(f"{member.mention} can comment again.", ephemeral=True)
