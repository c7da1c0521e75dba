"""The discord.py bot: intents, start-up (cogs, persistent views, command sync) and error reporting.

It is handed its services by the composition root (`newsdesk/app.py`) and passes them to each cog's
constructor; nothing reaches for globals.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.storage.errors import StorageUnavailable

if TYPE_CHECKING:
    from bot.services import Services
    from cogs.comment_listener import CommentListener
    from cogs.digest import DigestCog
    from cogs.publishing import StoryPublisher

# Builds the bot's story publisher once the client exists (the composition root supplies it).
PublisherFactory = Callable[[discord.Client], "StoryPublisher"]

__all__ = ["NewsdeskBot", "NewsdeskTree", "ShardedNewsdeskBot", "create_bot", "explain_startup_error", "intents"]

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """What the bot asks Discord for, and why.

    guilds: channels and threads; guild_messages + message_content: comments are recorded with their text;
    guild_reactions: reactions on stories and comments. Members are not needed: message events carry the
    author's member data.
    """
    value = discord.Intents.none()
    value.guilds = True
    value.guild_messages = True
    value.message_content = True
    value.guild_reactions = True
    return value


class NewsdeskTree(app_commands.CommandTree):
    """Turns command failures into a short private reply the user can act on."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Refuse, privately, option values the command does not accept (cogs/support/option_check.py)."""
        from cogs.support.option_check import invalid_option, leaf_options
        from cogs.support.replies import send_private

        command = interaction.command  # None for anything but a known application command
        if interaction.type is not discord.InteractionType.application_command or not isinstance(
                command, app_commands.Command):
            return True
        problem = invalid_option(command, leaf_options(interaction.data or {}))
        if problem is None:
            return True
        await send_private(interaction, problem)
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        from cogs.support.replies import explain_error, send_private

        message, unexpected = explain_error(error)
        if unexpected:
            bot = interaction.client
            if isinstance(bot, NewsdeskBot):
                bot.unexpected_errors.append(error)
            log.error("guild %s channel %s: command %s failed", interaction.guild_id, interaction.channel_id,
                      interaction.command and interaction.command.qualified_name, exc_info=error)
        try:
            await send_private(interaction, message)
        except discord.HTTPException:
            log.warning("guild %s channel %s: could not tell the user about an error", interaction.guild_id,
                        interaction.channel_id, exc_info=True)


class NewsdeskBot(commands.Bot):
    def __init__(self, services: Services, *, publisher: PublisherFactory, poll_feeds: bool = True,
                 **options: Any) -> None:
        settings = services.settings
        # Newsdesk has no voice features: skip discord.py's start-up warnings about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,  # no prefix commands: slash commands only
            intents=intents(),
            tree_cls=NewsdeskTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            # Every command is installed with the bot in a server and used there, unless it says otherwise
            # (only /summarize and the Summarize menu are offered to user installs, DMs included).
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False),
            allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
            **options,
        )
        self.services = services
        self.publisher: StoryPublisher = publisher(self)
        # False in a gateway process (`newsdesk run --role gateway`): feed workers poll, this one posts.
        self.poll_feeds = poll_feeds
        self.dev_guild_id = settings.dev_guild_id
        # Errors nobody expected (bugs). Tests assert this stays empty; operators see them in the log.
        self.unexpected_errors: list[BaseException] = []
        # Synchronous per-message hooks (the comment recorder). Every message runs through here, so it
        # must stay cheap: no prefix-command parsing (slash commands only) and no task per cog listener.
        self.message_hooks: list[Callable[[discord.Message], None]] = []
        # Whether start-up synced the command set (None: not yet known), for the "ready" line.
        self.commands_synced: bool | None = None

    async def on_message(self, message: discord.Message, /) -> None:
        for hook in self.message_hooks:
            try:
                hook(message)
            except Exception as exc:
                log.exception("message hook %r failed", hook)
                self.unexpected_errors.append(exc)

    async def setup_hook(self) -> None:
        from cogs.loader import load_cogs

        await load_cogs(self, self.services, self.publisher)
        # The background loops (bot/background.py), each waiting for Discord where it needs it.
        self.services.feed_events.listen(self.publisher.on_feed_event)
        self.publisher.start()
        if self.poll_feeds:
            self.services.scheduler.start(after=self.wait_until_ready)
        self.services.timer_runner.start()
        self.services.retention.start()
        self.commands_synced = await self.sync_commands_if_changed()

    async def close(self) -> None:
        # Stop background work before the connection goes, then land every buffered write.
        for name in list(self.cogs):
            await self.remove_cog(name)
        await self.services.scheduler.stop()
        self.services.feed_events.forget(self.publisher.on_feed_event)
        await self.publisher.stop()
        await self.services.timer_runner.stop()
        await self.services.retention.stop()
        await super().close()

    # Typed accessors for the cogs others look at (tests, benchmarks); None while that cog is not loaded.

    @property
    def comment_listener(self) -> CommentListener | None:
        return self.get_cog("CommentListener")  # type: ignore[return-value]

    @property
    def digest(self) -> DigestCog | None:
        return self.get_cog("DigestCog")  # type: ignore[return-value]

    def command_signature(self) -> str:
        guild = discord.Object(self.dev_guild_id) if self.dev_guild_id else None
        payload = [cmd.to_dict(self.tree) for cmd in self.tree.get_commands()]
        payload.sort(key=lambda c: (c.get("type", 1), c["name"]))
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        return f"{guild.id if guild else 'global'}:{digest}"

    async def sync_commands_if_changed(self) -> bool:
        """Sync to DEV_GUILD_ID (instant) when set, else globally — and only if the command set changed,
        because Discord rate-limits syncs and a global sync takes time to spread."""
        signature = self.command_signature()
        meta = self.services.stores.meta
        if await meta.get("command_signature") == signature:
            return False
        if self.dev_guild_id:
            guild = discord.Object(self.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()
        await meta.set("command_signature", signature)
        return True

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, StorageUnavailable):
            # Storage said so once, with what to do; the backfill records this event once writing works.
            log.debug("event %s not saved: %s", event_method, error)
            return
        log.exception("error in event %s", event_method)
        if error is not None:
            self.unexpected_errors.append(error)


class ShardedNewsdeskBot(NewsdeskBot, commands.AutoShardedBot):
    """Used when SHARD_COUNT is set: this process runs SHARD_IDS of SHARD_COUNT shards."""


PORTAL = "https://discord.com/developers/applications"


def explain_startup_error(error: BaseException) -> str | None:
    """The fix for the start-up failures a self-hoster meets first, as one line; None for anything else."""
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return (f"Discord refused the connection: the Message Content intent is off. Turn on \"Message Content "
                f"Intent\" on your application's Bot page ({PORTAL}), save, and start again.")
    if isinstance(error, discord.LoginFailure):
        return (f"Discord rejected DISCORD_TOKEN ({error}). Copy the token again from your application's Bot page "
                f"({PORTAL}, Reset Token) into DISCORD_TOKEN.")
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return (f"cannot reach Discord: the name {error.host} does not resolve (no network, or no DNS). Check "
                "this machine's internet connection (and DISCORD_API_BASE), then start again.")
    if isinstance(error, aiohttp.ClientConnectorError):
        return (f"cannot reach Discord at {error.host}:{error.port} ({error.strerror or error.os_error}). Check "
                "this machine's internet connection, firewall or proxy (and DISCORD_API_BASE), then start again.")
    return None


def create_bot(services: Services, *, publisher: PublisherFactory, poll_feeds: bool = True,
               **options: Any) -> NewsdeskBot:
    settings = services.settings
    if settings.shard_count:
        return ShardedNewsdeskBot(services, publisher=publisher, poll_feeds=poll_feeds,
                                  shard_count=settings.shard_count,
                                  shard_ids=list(settings.shard_ids) if settings.shard_ids else None, **options)
    return NewsdeskBot(services, publisher=publisher, poll_feeds=poll_feeds, **options)
