"""Carries the posting outbox out on Discord: story posts, their threads or forum posts, and edits.

Channels are worked on concurrently, each one in order (a per-channel queue), so one slow or broken channel
never holds up the others. Transient failures (429, 5xx) are retried with backoff and otherwise left
pending for the next pass; a missing permission marks the subscription failing, tells the admin channel
once, and keeps the stories pending until `/feed resume`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.background import BackgroundTask
from bot.feeds.events import FeedEvent, FeedFailing, FeedPaused, FeedRecovered, NewArticle, UpdatedArticle
from bot.posting.format import StoryPost, build_story_post, escape_text
from bot.posting.outbox import PostingOutbox, PostJob
from cogs.support.embeds import story_embed
from cogs.support.views import story_view

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["StoryPublisher"]

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_DELAYS = (1.0, 3.0, 8.0)
PASS_INTERVAL = 30.0
THREAD_ALREADY_CREATED = 160004  # Discord's error code: this message already has a thread
FAILING_ANNOUNCE_AT = 3  # consecutive feed failures before admins hear about it (one blip is not news)


class PermissionProblem(Exception):
    pass


class RefusedStory(Exception):
    """Discord rejects this story's post as invalid (400), even without its image and author."""


class StoryPublisher:
    def __init__(self, bot: discord.Client, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.outbox = PostingOutbox(db=services.stores.db, articles=services.stores.articles, posts=services.stores.posts,
                                    subscriptions=services.stores.subscriptions)
        self._wake = asyncio.Event()
        self._background = BackgroundTask("newsdesk-publisher", self._loop)
        self._pass_lock = asyncio.Lock()
        self._feed_titles: dict[int, str] = {}
        self.summary_text: Callable[[int], Awaitable[str | None]] | None = None  # set by the summarize cog

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            try:
                await self.run_pass()
            except Exception:
                log.exception("publishing pass failed; retrying at the next pass")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=PASS_INTERVAL)

    # --- feed events -----------------------------------------------------------------------------

    async def on_feed_event(self, event: FeedEvent) -> None:
        if isinstance(event, NewArticle | UpdatedArticle):
            self.wake()
        elif isinstance(event, FeedPaused):
            await self._tell_admins(event.feed_id, f"⏸️ The feed <{event.feed_url}> was paused: {event.reason} "
                                    "Fix it, then use `/feed resume`.")
        elif isinstance(event, FeedFailing) and event.consecutive_failures == FAILING_ANNOUNCE_AT:
            await self._tell_admins(event.feed_id, f"⚠️ The feed <{event.feed_url}> failed {FAILING_ANNOUNCE_AT} "
                                    f"times in a row: {event.error} I keep retrying with growing pauses.")
        elif isinstance(event, FeedRecovered) and event.after_failures >= FAILING_ANNOUNCE_AT:
            await self._tell_admins(event.feed_id, f"✅ The feed <{event.feed_url}> works again.")

    async def _tell_admins(self, feed_id: int, text: str) -> None:
        guilds = {s.guild_id for s in await self.services.stores.subscriptions.for_feed(feed_id, active_only=False)}
        for guild_id in guilds:
            await self.tell_admin_channel(guild_id, text)

    async def tell_admin_channel(self, guild_id: int, text: str) -> bool:
        settings = await self.services.stores.guild_settings.get(guild_id)
        channel = self.bot.get_channel(settings.admin_channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            log.warning("guild %s: no admin channel for: %s", guild_id, text)
            return False
        try:
            await channel.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())
            return True
        except discord.HTTPException as exc:
            log.warning("guild %s: cannot write to admin channel %s: %s", guild_id, channel.id, exc)
            return False

    # --- a pass over the outbox ------------------------------------------------------------------

    async def run_pass(self) -> tuple[int, int]:
        """Reserve, post and edit what is pending for our guilds. Returns (posted, edited)."""
        async with self._pass_lock:
            await self.outbox.reserve_announced()
            guild_ids = {g.id for g in self.bot.guilds}
            by_channel: dict[int, list[PostJob]] = defaultdict(list)
            for job in await self.outbox.pending_posts(guild_ids):
                by_channel[job.post.channel_id].append(job)
            posted = sum(await asyncio.gather(*(self._post_channel(jobs) for jobs in by_channel.values())))
            edited = 0
            for job in await self.outbox.pending_edits(guild_ids):
                edited += await self._edit(job)
            return posted, edited

    async def _post_channel(self, jobs: list[PostJob]) -> int:
        done = 0
        for job in jobs:
            try:
                await self._post(job)
                done += 1
            except PermissionProblem as exc:
                await self._failing(job, str(exc))
                return done  # the rest of this channel would fail the same way
            except discord.Forbidden as exc:
                await self._failing(job, f"Discord refused the post ({exc.text or 'missing permission'}).")
                return done
            except RefusedStory as exc:
                # This story can never be posted as it is; holding it would hold every later story too.
                log.error("guild %s feed %s: Discord refused article %s (%s) in channel %s; skipped: %s",
                          job.post.guild_id, job.article.feed_id, job.article.id, job.article.url,
                          job.post.channel_id, exc)
                await self.services.stores.posts.release(job.post.id)
                await self.tell_admin_channel(
                    job.post.guild_id, f"⚠️ Discord refused the story <{job.article.url}> in <#{job.post.channel_id}> "
                    f"({exc}); I skipped it and went on with the next ones.")
                continue
            except discord.HTTPException as exc:
                log.warning("guild %s feed %s: post of article %s to channel %s failed, will retry: %s",
                            job.post.guild_id, job.article.feed_id, job.article.id, job.post.channel_id, exc)
                return done
            except Exception:
                # Not Discord's answer (a bug, a dropped connection): this channel waits for the next pass;
                # the other channels' queues, running alongside, go on.
                log.exception("guild %s feed %s: post of article %s to channel %s failed, will retry",
                              job.post.guild_id, job.article.feed_id, job.article.id, job.post.channel_id)
                return done
        return done

    async def _failing(self, job: PostJob, reason: str) -> None:
        sub = job.subscription
        if sub is None:
            return
        if await self.services.stores.subscriptions.mark_failing(sub.id, reason):
            await self.tell_admin_channel(
                sub.guild_id, f"⚠️ I cannot post stories in <#{sub.channel_id}>: {reason} Stories wait until this "
                "is fixed; then run `/feed resume` for that feed.")

    # --- one story ---------------------------------------------------------------------------------

    def _story(self, job: PostJob) -> StoryPost:
        a = job.article
        feed_title = None
        if a.feed_id is not None:
            feed_title = self._feed_titles.get(a.feed_id)
        return build_story_post(title=a.title, url=a.url, source=feed_title or _host(a.url), excerpt=a.excerpt,
                                author=a.author, published=a.published, image_url=a.image,
                                mention_role_id=job.subscription.mention_role_id if job.subscription else None)

    async def _load_feed_title(self, feed_id: int | None) -> None:
        if feed_id is not None and feed_id not in self._feed_titles:
            feed = await self.services.stores.feeds.get(feed_id)
            if feed is not None and feed.title:
                self._feed_titles[feed_id] = feed.title

    async def _post(self, job: PostJob) -> None:
        post, sub = job.post, job.subscription
        channel = self.bot.get_channel(post.channel_id)
        if channel is None:
            raise PermissionProblem("the channel no longer exists or I cannot see it.")
        await self._load_feed_title(job.article.feed_id)
        story = self._story(job)
        mode = sub.mode if sub else "thread"
        if isinstance(channel, discord.ForumChannel):
            await self._post_forum(job, channel, story)
            return
        if not isinstance(channel, discord.TextChannel):
            raise PermissionProblem("that channel is not a text or forum channel.")
        _check_permissions(channel, thread=mode != "plain")
        message = await self._adopt_existing(channel, job)
        if message is None:
            # A retry of a send whose answer was lost gets the same message back (the nonce is enforced).
            message = await _refusable(story, lambda s: channel.send(
                content=s.content, embed=story_embed(s.embed), view=story_view(job.article.id),
                nonce=post.nonce, allowed_mentions=_mentions(s)))
        thread = await self._open_thread(message, story) if mode != "plain" else None
        # Only now is the post finished: if the thread failed (transiently, or for a missing permission), the
        # reservation stays pending and the next pass finds the message again (nonce or history) and retries
        # the thread, instead of leaving a story without its discussion for good.
        if thread is not None:
            await self._register_thread(job, thread)
        await self.services.stores.posts.mark_posted(post.id, message_id=message.id,
                                              thread_id=thread.id if thread else None,
                                              content_hash=job.article.content_hash)
        self.services.recorder.track_post(message.id)
        if thread is not None:
            await self._thread_created(job, thread)

    async def _open_thread(self, message: discord.Message, story: StoryPost) -> discord.Thread | None:
        """The story's thread. 429/5xx and a refused permission raise (the post stays pending and is retried
        or the subscription marked failing); a request Discord rejects as invalid (400) would fail the same
        way forever, so the story stays posted without a thread rather than holding up the channel."""
        try:
            return await _retrying(lambda: message.create_thread(name=story.thread_name,
                                                                 auto_archive_duration=10080))
        except discord.HTTPException as exc:
            if exc.status == 400 and exc.code != THREAD_ALREADY_CREATED:
                log.error("guild %s: Discord refused a thread for message %s (%r), posted without one: %s",
                          message.guild and message.guild.id, message.id, story.thread_name, exc)
                return None
            if exc.code != THREAD_ALREADY_CREATED:
                raise
        # Created by an earlier attempt whose answer we never stored; a message's thread has its id.
        thread = message.guild.get_thread(message.id) if message.guild else None
        found = thread or await self.bot.fetch_channel(message.id)
        if not isinstance(found, discord.Thread):
            raise PermissionProblem("the story's thread cannot be found.")
        return found

    async def _post_forum(self, job: PostJob, forum: discord.ForumChannel, story: StoryPost) -> None:
        me = forum.guild.me
        perms = forum.permissions_for(me)
        if not (perms.send_messages and perms.embed_links):
            raise PermissionProblem("I need Send Messages (Create Posts) and Embed Links in that forum.")
        # A crash after Discord created the post but before we stored it: find the post instead of duplicating.
        # Stories often share a title ("Daily briefing"): a post already stored for another story is not it.
        for thread in forum.threads:
            if (thread.owner_id == me.id and thread.name == story.thread_name
                    and await self.services.stores.posts.by_thread(thread.id) is None):
                await self._register_thread(job, thread)
                await self.services.stores.posts.mark_posted(job.post.id, message_id=thread.id, thread_id=thread.id,
                                                      content_hash=job.article.content_hash)
                await self._thread_created(job, thread)
                return
        feed_title = self._feed_titles.get(job.article.feed_id or -1, "")
        tags = [t for t in forum.available_tags if feed_title.lower() == t.name.lower()][:1]
        if not tags and forum.flags.require_tag:
            # Discord would refuse every post (40067); guessing another tag would mislabel the stories.
            raise PermissionProblem(
                f"that forum requires a tag on each post and has none named after the feed "
                f"(\"{escape_text(feed_title) or 'the feed has no title'}\"). Add a tag with that name, "
                "or turn off Require Tags for the forum.")
        created = await _refusable(story, lambda s: forum.create_thread(
            name=s.thread_name, content=s.content, embed=story_embed(s.embed),
            view=story_view(job.article.id), applied_tags=tags, allowed_mentions=_mentions(s)))
        await self._register_thread(job, created.thread)
        await self.services.stores.posts.mark_posted(job.post.id, message_id=created.message.id,
                                              thread_id=created.thread.id, content_hash=job.article.content_hash)
        self.services.recorder.track_post(created.message.id)
        await self._thread_created(job, created.thread)

    async def _adopt_existing(self, channel: discord.TextChannel, job: PostJob) -> discord.Message | None:
        """For a reservation left by an earlier run: was the message sent before the crash?"""
        if time.time() - job.post.created_at < 60:
            return None  # same run, seconds ago: Discord's nonce check covers a retry this recent
        me = channel.guild.me
        if not channel.permissions_for(me).read_message_history:
            # Discord answers an empty history then, and the story would be posted a second time.
            raise PermissionProblem(f"I am missing Read Message History in <#{channel.id}>, which I need to "
                                    "check whether a story was already posted before a restart.")
        async for message in channel.history(limit=50):
            if message.author.id == me.id and any(e.url == job.article.url for e in message.embeds):
                return message
        return None

    async def _register_thread(self, job: PostJob, thread: discord.Thread) -> None:
        """Known as an article thread before the post is marked done, so no comment goes unrecorded."""
        await self.services.stores.threads.register(thread_id=thread.id, guild_id=job.post.guild_id,
                                             parent_channel_id=job.post.channel_id, article_id=job.article.id,
                                             name=thread.name)
        self.services.recorder.track_thread(thread.id, job.article.id)

    async def _thread_created(self, job: PostJob, thread: discord.Thread) -> None:
        """After the post is stored: the auto-close timer and the optional summary (at most once)."""
        s = self.services
        settings = await s.stores.guild_settings.get(job.post.guild_id)
        if settings.auto_close_days:
            await s.moderation.schedule_auto_close(guild_id=job.post.guild_id, thread_id=thread.id,
                                                   days=settings.auto_close_days)
            s.timer_runner.wake()
        # The feed's own choice: /feed add takes the server's auto_summary as its default, /settings set
        # auto_summary applies it to every feed, and /feed edit summary: overrides it for one feed.
        wants_summary = job.subscription.summary if job.subscription else False
        if wants_summary and self.summary_text is not None:
            try:
                text = await self.summary_text(job.article.id)
            except Exception:  # a summarizer bug must not stop the channel's other stories
                log.exception("guild %s: no summary for article %s", job.post.guild_id, job.article.id)
                text = None
            if text:
                with contextlib.suppress(discord.HTTPException):
                    await _retrying(lambda: thread.send(text[:2000], allowed_mentions=discord.AllowedMentions.none()))

    async def _edit(self, job: PostJob) -> int:
        post = job.post
        channel = self.bot.get_channel(post.channel_id)
        await self._load_feed_title(job.article.feed_id)
        story = self._story(job)
        target: Any = None
        try:
            if isinstance(channel, discord.TextChannel):
                target = channel.get_partial_message(post.message_id or 0)
            elif isinstance(channel, discord.ForumChannel) and post.thread_id:
                # A forum post deleted on Discord is a NotFound here, settled below like a deleted message.
                thread = channel.get_thread(post.thread_id) or await self.bot.fetch_channel(post.thread_id)
                if isinstance(thread, discord.Thread):
                    target = thread.get_partial_message(post.message_id or 0)
            if target is not None:
                await _retrying(lambda: target.edit(embed=story_embed(story.embed)))
        except discord.NotFound:
            pass  # removed on Discord: nothing to edit, stop trying
        except discord.HTTPException as exc:
            log.warning("guild %s: edit of post %s (article %s, channel %s, message %s) failed, will retry: %s",
                        post.guild_id, post.id, job.article.id, post.channel_id, post.message_id, exc)
            return 0
        await self.services.stores.posts.mark_edited(post.id, content_hash=job.article.content_hash)
        return 1


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or "News"


def _mentions(story: StoryPost) -> discord.AllowedMentions:
    roles: Any = [discord.Object(story.mention_role_id)] if story.mention_role_id else False
    return discord.AllowedMentions(everyone=False, users=False, roles=roles, replied_user=False)


def _check_permissions(channel: discord.TextChannel, *, thread: bool) -> None:
    perms = channel.permissions_for(channel.guild.me)
    missing = [name for name, ok in (("Send Messages", perms.send_messages), ("Embed Links", perms.embed_links))
               if not ok]
    if thread and not perms.create_public_threads:
        missing.append("Create Public Threads")
    if missing:
        raise PermissionProblem(f"I am missing {', '.join(missing)} in <#{channel.id}>.")


async def _refusable(story: StoryPost, send: Callable[[StoryPost], Awaitable[T]]) -> T:
    """Send `story`; if Discord rejects it as invalid (400: an image or author URL it will not take, a limit
    we did not know), once more without the optional parts, then give up with RefusedStory."""
    try:
        return await _retrying(lambda: send(story))
    except discord.HTTPException as exc:
        if exc.status != 400:
            raise
        log.warning("Discord refused a story post (%s); trying it without image and author", exc)
    bare = dataclasses.replace(story, embed=dataclasses.replace(story.embed, image_url=None, author=None))
    try:
        return await _retrying(lambda: send(bare))
    except discord.HTTPException as exc:
        if exc.status != 400:
            raise
        raise RefusedStory(exc.text or str(exc)) from None


async def _retrying(call: Callable[[], Awaitable[T]]) -> T:
    """Retry 5xx and 429 responses that discord.py gave up on, with growing pauses."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return await call()
        except discord.DiscordServerError:
            if delay is None:
                raise
        except discord.HTTPException as exc:
            if exc.status != 429 or delay is None:
                raise
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")
