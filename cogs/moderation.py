"""/mod: run article comment threads — lock, close, slowmode, remove, purge, mute, filters, queue, log."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.moderation import actions
from bot.moderation.rules import format_duration, parse_duration
from bot.moderation.service import AUTO_CLOSE, MUTE_EXPIRED, ModerationError
from bot.posting.format import escape_mentions, truncate_words
from bot.storage.comments import Comment
from bot.storage.timers import Timer
from cogs.support.replies import UserFacingError, explain_error, send_private
from cogs.support.views import ConfirmView

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["ModerationCog", "has_server_permissions"]

log = logging.getLogger(__name__)
T = TypeVar("T")


def has_server_permissions(**perms: bool) -> Callable[[T], T]:
    """Like `app_commands.checks.has_permissions`, but server-wide. `has_permissions` looks at the channel
    the command is run in; a command that acts on every article thread (purge, mute, filters, the queue,
    the log, export) must not be opened by a permission granted in one channel only."""
    async def predicate(interaction: discord.Interaction) -> bool:
        user = interaction.user
        have = user.guild_permissions if isinstance(user, discord.Member) else discord.Permissions.none()
        missing = [name for name, value in perms.items() if getattr(have, name) != value]
        if missing:
            names = " and ".join(m.replace("_", " ").title() for m in missing)
            raise UserFacingError(f"You need the {names} permission to use this command — server-wide "
                                  "(from a role), not only in one channel.")
        return True
    return app_commands.check(predicate)


_MESSAGE_LINK = re.compile(r"(?:channels/\d+/(?P<channel>\d+)/)?(?P<message>\d{15,22})/?$")


# Discord applies default_member_permissions to top-level commands only: the whole /mod group is hidden
# from members without Manage Messages; each command checks its own permission again at run time.
@app_commands.default_permissions(manage_messages=True)
@app_commands.guild_only()
class ModerationCog(commands.GroupCog, group_name="mod", group_description="Moderate article comment threads"):
    filter = app_commands.Group(name="filter", description="Word filters on comments")

    def __init__(self, bot: commands.Bot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.remove_menu = app_commands.ContextMenu(name="Remove comment", callback=self.remove_from_menu)
        self.remove_menu.default_permissions = discord.Permissions(manage_messages=True)
        self.remove_menu.guild_only = True
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.remove_menu)
        runner = self.services.timer_runner
        runner.on(MUTE_EXPIRED, self._mute_expired)
        runner.on(AUTO_CLOSE, self._auto_close)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.remove_menu.name, type=self.remove_menu.type)

    # --- helpers ---------------------------------------------------------------------------------

    async def _article_thread(self, interaction: discord.Interaction) -> discord.Thread:
        channel = interaction.channel
        if not isinstance(channel, discord.Thread) or not await self.services.recorder.is_article_thread(channel.id):
            raise UserFacingError("Run this inside an article's discussion thread.")
        return channel

    async def _record(self, interaction: discord.Interaction, action: str, *, reason: str | None = None,
                      summary: str, **targets: Any) -> None:
        assert interaction.guild_id is not None
        thread_id = targets.get("target_thread_id")
        if thread_id and "article_id" not in targets:
            targets["article_id"] = self.services.recorder.article_for(thread_id)
        await self.services.moderation.log(guild_id=interaction.guild_id, moderator_id=interaction.user.id,
                                           action=action, reason=reason, **targets)
        await self._modlog(interaction.guild_id, f"{interaction.user.mention} {summary}"
                           + (f" — reason: {escape_mentions(reason)}" if reason else ""))

    async def _modlog(self, guild_id: int, text: str) -> None:
        settings = await self.services.guilds.get(guild_id)
        if not settings.modlog_channel_id:
            return
        channel = self.bot.get_channel(settings.modlog_channel_id)
        if isinstance(channel, discord.abc.Messageable):
            try:
                await channel.send(truncate_words(text, 2000), allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException as exc:
                log.warning("guild %s: cannot write to mod-log channel %s: %s", guild_id, settings.modlog_channel_id, exc)

    async def _thread(self, thread_id: int) -> discord.Thread | None:
        """A thread by id, also a closed one: discord.py drops archived threads from its cache."""
        channel = self.bot.get_channel(thread_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(thread_id)
            except (discord.NotFound, discord.Forbidden):
                return None
        return channel if isinstance(channel, discord.Thread) else None

    async def _article_id(self, value: str | None) -> int | None:
        """An `article` option: an article id or its link; None when not given. Anything else is refused,
        so a typo never widens a purge to every article."""
        if not value or not value.strip():
            return None
        value = value.strip()
        if value.isdigit():
            return int(value)
        found = await self.services.articles.by_url(value)
        if found is None:
            raise UserFacingError(f"{escape_mentions(truncate_words(value, 100))!r} is not an article: "
                                  "give its id (see /comments tree) or its link.")
        return found.id

    # --- thread state ----------------------------------------------------------------------------

    async def _set_thread(self, interaction: discord.Interaction, action: str, reason: str | None, *,
                          done: str, details: dict[str, Any] | None = None, **edit: Any) -> None:
        """Change the thread on Discord, store its state, log `action` (a name from bot.moderation.actions);
        `done` is how the mod-log and the moderator's answer say it ("locked", "set slowmode to 30s in")."""
        thread = await self._article_thread(interaction)
        await interaction.response.defer(ephemeral=True)
        await thread.edit(**edit, reason=reason)
        await self.services.threads.record_state(thread.id, locked=edit.get("locked"), archived=edit.get("archived"),
                                                 slowmode_seconds=edit.get("slowmode_delay"))
        await self._record(interaction, action, reason=reason, summary=f"{done} {thread.mention}",
                           target_thread_id=thread.id, details=details)
        await interaction.followup.send(f"Done: {done} {thread.mention}.", ephemeral=True)

    @app_commands.command(name="lock", description="Lock this article thread (only moderators can write)")
    @app_commands.default_permissions(manage_threads=True)
    @app_commands.checks.has_permissions(manage_threads=True)
    async def lock(self, interaction: discord.Interaction, reason: str | None = None) -> None:
        await self._set_thread(interaction, actions.LOCK, reason, done="locked", locked=True)

    @app_commands.command(name="unlock", description="Unlock this article thread")
    @app_commands.default_permissions(manage_threads=True)
    @app_commands.checks.has_permissions(manage_threads=True)
    async def unlock(self, interaction: discord.Interaction, reason: str | None = None) -> None:
        await self._set_thread(interaction, actions.UNLOCK, reason, done="unlocked", locked=False)

    @app_commands.command(name="close", description="Close this article thread (archive and lock)")
    @app_commands.default_permissions(manage_threads=True)
    @app_commands.checks.has_permissions(manage_threads=True)
    async def close(self, interaction: discord.Interaction, reason: str | None = None) -> None:
        await self._set_thread(interaction, actions.CLOSE, reason, done="closed", locked=True, archived=True)

    @app_commands.command(name="reopen", description="Reopen a closed article thread")
    @app_commands.default_permissions(manage_threads=True)
    @app_commands.checks.has_permissions(manage_threads=True)
    async def reopen(self, interaction: discord.Interaction, reason: str | None = None) -> None:
        await self._set_thread(interaction, actions.REOPEN, reason, done="reopened", archived=False, locked=False)

    @app_commands.command(name="slowmode", description="Set this thread's slowmode (0 turns it off)")
    @app_commands.default_permissions(manage_threads=True)
    @app_commands.checks.has_permissions(manage_threads=True)
    async def slowmode(self, interaction: discord.Interaction, seconds: app_commands.Range[int, 0, 21600]) -> None:
        done = f"set slowmode to {format_duration(seconds)} in" if seconds else "turned slowmode off in"
        await self._set_thread(interaction, actions.SLOWMODE, None, done=done, details={"seconds": seconds},
                               slowmode_delay=seconds)

    # --- removing comments -----------------------------------------------------------------------

    async def _remove(self, interaction: discord.Interaction, message: discord.Message | discord.PartialMessage,
                      reason: str) -> None:
        assert interaction.guild_id is not None
        if not await self.services.recorder.is_article_thread(message.channel.id):
            raise UserFacingError("That message is not in an article thread.")
        try:
            await message.delete()
        except discord.NotFound:
            # Already gone on Discord (still mark it removed here) — or never in this thread: a bare id is
            # looked up in the thread the command runs in, and a wrong one must not be logged as removed.
            stored = await self.services.comments.get(message.id)
            if stored is None or stored.thread_id != message.channel.id:
                raise UserFacingError("That message is not in this thread (or no longer exists); "
                                      "paste its message link (Copy Message Link).") from None
        comment = await self.services.moderation.removed(guild_id=interaction.guild_id,
                                                         moderator_id=interaction.user.id, message_id=message.id,
                                                         reason=reason, thread_id=message.channel.id)
        who = f"<@{comment.author_id}>" if comment else "a user"
        await self._modlog(interaction.guild_id, f"{interaction.user.mention} removed a comment by {who} in "
                           f"<#{message.channel.id}> — reason: {escape_mentions(reason)}")

    @app_commands.command(name="remove", description="Remove a comment (message link or id) with a reason")
    @app_commands.default_permissions(manage_messages=True)
    @app_commands.checks.has_permissions(manage_messages=True)
    async def remove(self, interaction: discord.Interaction, message: str, reason: str) -> None:
        match = _MESSAGE_LINK.search(message.strip())
        if match is None:
            raise UserFacingError("Give a message link (Copy Message Link) or a message id.")
        channel_id = int(match["channel"]) if match["channel"] else interaction.channel_id
        channel = await self._thread(channel_id) if channel_id else None
        if channel is None:
            raise UserFacingError("I cannot find that message's thread; paste the full message link.")
        # The link may point anywhere the bot is; the command's permission check only covered the channel
        # it was run in. Check the target thread itself: this server, and Manage Messages there.
        if channel.guild.id != interaction.guild_id:
            raise UserFacingError("That message is not in this server.")
        if not isinstance(interaction.user, discord.Member) or not channel.permissions_for(interaction.user).manage_messages:
            raise UserFacingError("You need Manage Messages in that thread to remove its comments.")
        await interaction.response.defer(ephemeral=True)
        await self._remove(interaction, channel.get_partial_message(int(match["message"])), reason)
        await interaction.followup.send("Comment removed.", ephemeral=True)

    async def remove_from_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        if not interaction.permissions.manage_messages:
            raise app_commands.MissingPermissions(["manage_messages"])
        modal = _ReasonModal(lambda i, reason: self._finish_menu_remove(i, message, reason))
        await interaction.response.send_modal(modal)

    async def _finish_menu_remove(self, interaction: discord.Interaction, message: discord.Message, reason: str) -> None:
        # thinking=True: a plain defer() of a modal submit is "update the message", and a modal opened from
        # a context menu has no message of ours to update (Discord answers 40004).
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._remove(interaction, message, reason)
        await interaction.followup.send("Comment removed.", ephemeral=True)

    @app_commands.command(name="purge", description="Remove a user's comments (all, or one article's, or since a time)")
    @app_commands.default_permissions(manage_messages=True)
    @has_server_permissions(manage_messages=True)
    @app_commands.describe(article="Only this article (id)", since="Only comments newer than this, e.g. 2h or 1d")
    async def purge(self, interaction: discord.Interaction, user: discord.User, article: str | None = None,
                    since: str | None = None) -> None:
        assert interaction.guild_id is not None
        try:
            since_ts = time.time() - parse_duration(since) if since else None
        except ValueError as exc:
            raise UserFacingError(str(exc)) from None
        article_id = await self._article_id(article)
        plan = await self.services.moderation.plan_purge(interaction.guild_id, user.id, article_id=article_id,
                                                         since=since_ts)
        if not plan.count:
            await interaction.response.send_message(f"{user.mention} has no visible comments to remove there.",
                                                    ephemeral=True)
            return

        async def confirmed(confirm: discord.Interaction) -> None:
            await confirm.response.edit_message(content=f"Removing {plan.count} comments…", view=None)
            by_thread: dict[int, list[Comment]] = {}
            for c in plan.comments:
                by_thread.setdefault(c.thread_id, []).append(c)
            gone: list[Comment] = []
            refused = 0
            for thread_id, comments in by_thread.items():
                channel = await self._thread(thread_id)
                if channel is not None:  # else the thread is gone, and its messages with it
                    ids = [c.message_id for c in comments]
                    try:
                        for start in range(0, len(ids), 100):
                            await _delete_many(channel, ids[start:start + 100], reason=f"purge by {confirm.user}")
                    except discord.Forbidden:
                        refused += len(ids)  # still on Discord: not recorded as removed
                        continue
                gone.extend(comments)
            removed = await self.services.moderation.purged(replace(plan, comments=gone),
                                                            moderator_id=confirm.user.id) if gone else 0
            if removed:
                await self._modlog(plan.guild_id, f"{confirm.user.mention} purged {removed} comments by {user.mention}")
            answer = f"Removed {removed} comments by {user.mention}."
            if refused:
                answer += (f" {refused} could not be removed: I lack Manage Messages in their threads' channel; "
                           "ask an admin to grant it to my role, then purge again.")
            await confirm.edit_original_response(content=answer)

        await interaction.response.send_message(
            f"Remove **{plan.count}** comments by {user.mention}? This cannot be undone on Discord.",
            view=ConfirmView(interaction.user.id, confirmed, confirm_label=f"Remove {plan.count}"), ephemeral=True)

    # --- mutes -----------------------------------------------------------------------------------

    @app_commands.command(name="mute", description="Stop a user from commenting in article threads for a while")
    @app_commands.default_permissions(manage_messages=True)
    @has_server_permissions(manage_messages=True)
    @app_commands.describe(duration="e.g. 30m, 2h, 1d, 1w", reason="Shown to the user")
    async def mute(self, interaction: discord.Interaction, user: discord.User, duration: str, reason: str) -> None:
        assert interaction.guild_id is not None
        try:
            seconds = parse_duration(duration)
        except ValueError as exc:
            raise UserFacingError(str(exc)) from None
        mute = await self.services.moderation.mute(guild_id=interaction.guild_id, user_id=user.id,
                                                   moderator_id=interaction.user.id, seconds=seconds, reason=reason)
        self.services.timer_runner.wake()
        until = discord.utils.format_dt(datetime.fromtimestamp(mute.expires_at or 0, tz=UTC), "f")
        await self._modlog(interaction.guild_id, f"{interaction.user.mention} muted {user.mention} for "
                           f"{format_duration(seconds)} — reason: {escape_mentions(reason)}")
        await interaction.response.send_message(f"{user.mention} is muted in article threads until {until}.",
                                                ephemeral=True)

    @app_commands.command(name="unmute", description="Let a muted user comment again")
    @app_commands.default_permissions(manage_messages=True)
    @has_server_permissions(manage_messages=True)
    async def unmute(self, interaction: discord.Interaction, user: discord.User, reason: str | None = None) -> None:
        assert interaction.guild_id is not None
        if not await self.services.moderation.unmute(guild_id=interaction.guild_id, user_id=user.id,
                                                     moderator_id=interaction.user.id, reason=reason):
            raise UserFacingError(f"{user.mention} is not muted.")
        await self._modlog(interaction.guild_id, f"{interaction.user.mention} unmuted {user.mention}")
        await interaction.response.send_message(f"{user.mention} can comment again.", ephemeral=True)

    async def _mute_expired(self, timer: Timer) -> None:
        guild_id, user_id = timer.payload["guild_id"], timer.payload["user_id"]
        if await self.services.moderation.expire_mute(guild_id=guild_id, user_id=user_id):
            await self._modlog(guild_id, f"<@{user_id}>'s mute expired")

    async def _auto_close(self, timer: Timer) -> None:
        thread_id = timer.payload["thread_id"]
        channel = await self._thread(thread_id)
        if channel is not None and not (channel.archived and channel.locked):
            await channel.edit(archived=True, locked=True, reason="auto-close")
            await self.services.threads.record_state(thread_id, archived=True, locked=True)
            await self.services.moderation.log(guild_id=timer.payload["guild_id"], moderator_id=0,
                                               action=actions.CLOSE, target_thread_id=thread_id,
                                               article_id=self.services.recorder.article_for(thread_id),
                                               reason="auto-close", details={"automatic": True})
            await self._modlog(timer.payload["guild_id"], f"{channel.mention} was closed automatically")

    # --- filters and the review queue ------------------------------------------------------------

    @filter.command(name="add", description="Remove or flag comments containing a word or matching a regex")
    @has_server_permissions(manage_messages=True)
    async def filter_add(self, interaction: discord.Interaction, pattern: str,
                         action: Literal["remove", "flag"] = "remove", regex: bool = False) -> None:
        assert interaction.guild_id is not None
        try:
            await self.services.moderation.add_filter(guild_id=interaction.guild_id, pattern=pattern, is_regex=regex,
                                                      action=action, moderator_id=interaction.user.id)
        except ModerationError as exc:
            raise UserFacingError(str(exc)) from None
        await interaction.response.send_message(f"Filter added: `{pattern}` → {action}.", ephemeral=True)

    @filter.command(name="remove", description="Delete a word filter")
    @has_server_permissions(manage_messages=True)
    async def filter_remove(self, interaction: discord.Interaction, pattern: str) -> None:
        assert interaction.guild_id is not None
        if not await self.services.moderation.remove_filter(guild_id=interaction.guild_id, pattern=pattern,
                                                            moderator_id=interaction.user.id):
            raise UserFacingError(f"There is no filter `{pattern}`; see `/mod filter list`.")
        await interaction.response.send_message(f"Filter `{pattern}` removed.", ephemeral=True)

    @filter.command(name="list", description="Show this server's word filters")
    @has_server_permissions(manage_messages=True)
    async def filter_list(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        filters = await self.services.moderation_store.filters(interaction.guild_id)
        text = "\n".join(f"`{f.pattern}` {'(regex) ' if f.is_regex else ''}→ {f.action}" for f in filters)
        await interaction.response.send_message(text or "No filters yet: `/mod filter add`.", ephemeral=True)

    @app_commands.command(name="queue", description="Comments flagged by filters, waiting for review")
    @app_commands.default_permissions(manage_messages=True)
    @has_server_permissions(manage_messages=True)
    async def queue(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        flagged = await self.services.moderation.queue(interaction.guild_id, limit=1)
        if not flagged:
            await interaction.response.send_message("The review queue is empty.", ephemeral=True)
            return
        c = flagged[0]
        view = _ReviewView(self, c.thread_id, c.message_id, interaction.user.id)
        await interaction.response.send_message(
            f"Flagged comment by <@{c.author_id}> in <#{c.thread_id}>:\n> "
            f"{escape_mentions(truncate_words(' '.join(c.content.split()), 1500))}", view=view, ephemeral=True)

    @app_commands.command(name="log", description="Recent moderation actions")
    @app_commands.default_permissions(manage_messages=True)
    @has_server_permissions(manage_messages=True)
    async def log_(self, interaction: discord.Interaction, user: discord.User | None = None,
                   article: str | None = None) -> None:
        assert interaction.guild_id is not None
        logged = await self.services.moderation_store.actions(
            interaction.guild_id, user_id=user.id if user else None, article_id=await self._article_id(article),
            limit=20)
        if not logged:
            await interaction.response.send_message("No moderation actions recorded.", ephemeral=True)
            return
        lines = []
        for a in logged:
            what = actions.describe(a)
            by = "Newsdesk" if a.moderator_id in (0, getattr(self.bot.user, "id", 0)) else f"<@{a.moderator_id}>"
            lines.append(f"{discord.utils.format_dt(datetime.fromtimestamp(a.created_at, tz=UTC), 'R')} "
                         f"{by} **{a.action}**" + (f" {what}" if what else "")
                         + (f" — {escape_mentions(a.reason)}" if a.reason else ""))
        await interaction.response.send_message(truncate_words("\n".join(lines), 2000), ephemeral=True)


async def _delete_many(channel: discord.Thread, ids: list[int], *, reason: str) -> None:
    """Bulk delete; Discord refuses bulk deletes of messages older than 14 days, so fall back to one by one."""
    try:
        await channel.delete_messages([discord.Object(i) for i in ids], reason=reason)
        return
    except discord.NotFound:
        return
    except discord.HTTPException as exc:
        log.info("bulk delete in %s refused (%s); deleting one by one", channel.id, exc)
    for message_id in ids:
        try:
            await channel.get_partial_message(message_id).delete()
        except discord.NotFound:
            pass


async def _explain(interaction: discord.Interaction, error: Exception, *, edit: bool = False) -> None:
    """A modal's or button's failure, told to the moderator (views do not reach the tree's error handler)."""
    message, loud = explain_error(error)
    if loud:
        log.error("moderation %s failed", type(error).__name__, exc_info=error)
    try:
        if edit and interaction.response.is_done():
            await interaction.edit_original_response(content=message, view=None)
        else:
            await send_private(interaction, message)
    except discord.HTTPException:
        log.warning("cannot tell the moderator: %s", message)


class _ReasonModal(discord.ui.Modal, title="Remove comment"):
    reason: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Reason", max_length=300)

    def __init__(self, on_submit: Any) -> None:
        super().__init__()
        self._submit = on_submit

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._submit(interaction, self.reason.value)

    # discord.ui.Modal itself narrows BaseView.on_error's signature; mypy sees the base's.
    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        await _explain(interaction, error)


class _ReviewView(discord.ui.View):
    def __init__(self, cog: ModerationCog, thread_id: int, message_id: int, owner_id: int) -> None:
        super().__init__(timeout=600)
        self.cog, self.thread_id, self.message_id, self.owner_id = cog, thread_id, message_id, owner_id

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        await _explain(interaction, error, edit=True)

    @discord.ui.button(label="Approve", style=discord.ButtonStyle.success)
    async def approve(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        assert interaction.guild_id is not None
        if not await self.cog.services.moderation.approve(guild_id=interaction.guild_id, message_id=self.message_id,
                                                          moderator_id=interaction.user.id):
            await interaction.response.edit_message(
                content="That comment is no longer waiting for review (removed, deleted or already approved).",
                view=None)
            return
        await interaction.response.edit_message(content="Approved: the comment stays.", view=None)

    @discord.ui.button(label="Remove", style=discord.ButtonStyle.danger)
    async def remove(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        channel = await self.cog._thread(self.thread_id)
        if channel is None:
            await interaction.response.edit_message(content="That thread is gone.", view=None)
            return
        await interaction.response.edit_message(content="Removing…", view=None)
        await self.cog._remove(interaction, channel.get_partial_message(self.message_id), "flagged and removed")
        await interaction.edit_original_response(content="Removed.")
