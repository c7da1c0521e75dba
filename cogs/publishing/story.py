"""One story on Discord: its message with the Summarize button (then its thread), or its forum post, sent
by the bot or, for a webhook subscription, through the channel's webhook under the outlet's name and icon;
and the edit of a story whose article changed.

A post counts as done (`mark_posted`) only once its thread exists and is registered: if the thread failed,
the reservation stays pending and the next pass finds the message again (by nonce, or in the channel's
history after a restart) and retries the thread, instead of leaving a story without its discussion.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import discord

from bot.articles.records import Article
from bot.comments.recorder import CommentRecorder
from bot.moderation.featured import FeaturedComments
from bot.posting.format import StoryPost, build_story_post, escape_text
from bot.posting.identity import webhook_avatar_url, webhook_username
from bot.posting.outbox import PostJob
from bot.storage.feeds import Feed, FeedStore, SubscriptionStore
from bot.storage.posts import Post, PostStore
from bot.stories.service import StoryService
from bot.templates.service import StoryTemplates
from cogs.publishing.notices import AdminNotices
from cogs.publishing.problems import PermissionProblem, RefusedStory
from cogs.publishing.recovery import find_forum_post, find_sent_message
from cogs.publishing.threads import StoryThreads
from cogs.publishing.webhooks import (
    ChannelWebhooks,
    Postable,
    PostEditor,
    WebhookUnavailable,
    is_unknown_webhook,
)
from cogs.support.cards import edit_fields, send_fields

__all__ = ["StorySender"]

log = logging.getLogger(__name__)
T = TypeVar("T")
MISSING: Any = discord.utils.MISSING


@dataclass(frozen=True)
class Identity:
    """Who a webhook post appears to be from: the outlet (a name Discord accepts) and its icon, if any."""

    username: str
    avatar_url: str | None


class StorySender:
    def __init__(self, client: discord.Client, *, posts: PostStore, feeds: FeedStore, recorder: CommentRecorder,
                 threads: StoryThreads, editor: PostEditor, subscriptions: SubscriptionStore,
                 featured: FeaturedComments | None = None, stories: StoryService | None = None,
                 webhooks: ChannelWebhooks | None = None, notices: AdminNotices | None = None,
                 templates: StoryTemplates | None = None) -> None:
        self._client = client
        self._posts = posts
        self._feeds = feeds
        self._subscriptions = subscriptions
        self._editor = editor
        self._webhooks = webhooks
        self._notices = notices
        self._recorder = recorder
        self._threads = threads
        self._featured = featured
        self._stories = stories
        self._templates = templates
        self._feed_titles: dict[int, str] = {}

    async def post(self, job: PostJob) -> None:
        """Send the story of `job`. Raises PermissionProblem, RefusedStory or Discord's error."""
        post, sub = job.post, job.subscription
        channel = self._client.get_channel(post.channel_id)
        if channel is None:
            raise PermissionProblem("the channel no longer exists or I cannot see it.")
        story = await self._story(job)
        if isinstance(channel, discord.ForumChannel):
            await self._post_forum(job, channel, story)
            return
        if not isinstance(channel, discord.TextChannel):
            raise PermissionProblem("that channel is not a text or forum channel.")
        with_thread = (sub.mode if sub else "thread") != "plain"
        _check_permissions(channel, thread=with_thread)
        hook = await self._webhook_for(job, channel)
        found = await find_sent_message(channel, job)
        sent = None if found is not None or hook is None else await self._through_webhook(
            job, channel, hook, story, lambda h, s, who: h.send(
                wait=True, username=who.username, avatar_url=who.avatar_url or MISSING,
                allowed_mentions=_mentions(s), **_fields(s, job.article.id)))
        message: discord.Message | discord.PartialMessage
        if found is not None:
            message, webhook_id = found, found.webhook_id
        elif sent is not None:
            message, webhook_id = channel.get_partial_message(sent.id), sent.webhook_id  # the bot opens the thread
        else:
            # A retry of a send whose answer was lost gets the same message back (the nonce is enforced).
            message = await _refusable(story, lambda s: channel.send(
                **_fields(s, job.article.id), nonce=post.nonce, allowed_mentions=_mentions(s)))
            webhook_id = None
        thread = await self._threads.open(message, story) if with_thread else None
        if thread is not None:
            await self._threads.register(job, thread)
        await self._posts.mark_posted(post.id, message_id=message.id, thread_id=thread.id if thread else None,
                                      content_hash=job.article.content_hash, webhook_id=webhook_id)
        self._recorder.track_post(message.id)
        if thread is not None:
            await self._threads.follow_up(job, thread)

    async def _post_forum(self, job: PostJob, forum: discord.ForumChannel, story: StoryPost) -> None:
        perms = forum.permissions_for(forum.guild.me)
        if not (perms.send_messages and perms.embed_links):
            raise PermissionProblem("I need Send Messages (Create Posts) and Embed Links in that forum.")
        # A crash after Discord created the post but before we stored it: adopt the post, do not duplicate it.
        found = await find_forum_post(forum, story, self._posts, webhook_id=job.post.webhook_id)
        if found is not None:
            await self._threads.register(job, found, adopted=True)
            await self._posts.mark_posted(job.post.id, message_id=found.id, thread_id=found.id,
                                          content_hash=job.article.content_hash,
                                          webhook_id=found.owner_id if found.owner_id == job.post.webhook_id else None)
            await self._threads.follow_up(job, found)
            return
        feed_title = self._feed_titles.get(job.article.feed_id or -1, "")
        tags = [t for t in forum.available_tags if feed_title.lower() == t.name.lower()][:1]
        if not tags and forum.flags.require_tag:
            # Discord would refuse every post (40067); guessing another tag would mislabel the stories.
            raise PermissionProblem(
                f"that forum requires a tag on each post and has none named after the feed "
                f"(\"{escape_text(feed_title) or 'the feed has no title'}\"). Add a tag with that name, "
                "or turn off Require Tags for the forum.")
        hook = await self._webhook_for(job, forum)
        # The webhook creates the forum post itself (thread_name); its first message is the story.
        sent = None if hook is None else await self._through_webhook(job, forum, hook, story, lambda h, s, who: h.send(
            wait=True, thread_name=s.thread_name, applied_tags=tags, username=who.username,
            avatar_url=who.avatar_url or MISSING, allowed_mentions=_mentions(s), **_fields(s, job.article.id)))
        if sent is not None:
            thread = await self._threads.forum_post(forum, sent.channel.id)
            message_id, webhook_id = sent.id, sent.webhook_id
        else:
            created = await _refusable(story, lambda s: forum.create_thread(
                name=s.thread_name, **_fields(s, job.article.id), applied_tags=tags, allowed_mentions=_mentions(s)))
            thread, message_id, webhook_id = created.thread, created.message.id, None
        await self._threads.register(job, thread)
        await self._posts.mark_posted(job.post.id, message_id=message_id, thread_id=thread.id,
                                      content_hash=job.article.content_hash, webhook_id=webhook_id)
        self._recorder.track_post(message_id)
        await self._threads.follow_up(job, thread)

    async def _webhook_for(self, job: PostJob, channel: Postable) -> discord.Webhook | None:
        """The webhook to post `job` through, or None: the subscription does not want one, or none can be had
        (then the subscription says why, the admins hear it once, and the story goes out as the bot)."""
        sub = job.subscription
        if self._webhooks is None or sub is None or not sub.webhook:
            return None
        try:
            hook = await self._webhooks.for_channel(channel)
        except WebhookUnavailable as exc:
            await self._webhook_problem(job, str(exc))
            return None
        if sub.webhook_problem:
            await self._subscriptions.set_webhook_problem(sub.id, None)
        return hook

    async def _webhook_problem(self, job: PostJob, problem: str) -> None:
        sub = job.subscription
        assert sub is not None
        if await self._subscriptions.set_webhook_problem(sub.id, problem):
            log.warning("guild %s subscription %s: posting as the bot: %s", sub.guild_id, sub.id, problem)
            if self._notices is not None:
                await self._notices.webhook_unavailable(sub, problem)

    async def _through_webhook(self, job: PostJob, channel: Postable, hook: discord.Webhook, story: StoryPost,
                               send: Callable[[discord.Webhook, StoryPost, Identity], Awaitable[T]]) -> T | None:
        """`send` the story through `hook` under the outlet's name and icon; a webhook deleted on Discord
        (10015) is made again and the send retried once. None: it was deleted and no new one may be made (the
        story goes out as the bot). The post records the webhook before each send: a webhook takes no nonce,
        so a retry after a lost answer looks for that webhook's message instead."""
        who = await self._identity(job.article)

        async def attempt(h: discord.Webhook) -> T:
            await self._posts.sending_through(job.post.id, h.id)
            return await _refusable(story, lambda s: send(h, s, who))

        try:
            return await attempt(hook)
        except discord.NotFound as exc:
            if not is_unknown_webhook(exc) or self._webhooks is None:
                raise
        try:
            fresh = await self._webhooks.recreate(channel, hook)
        except WebhookUnavailable as exc:
            await self._webhook_problem(job, str(exc))
            return None
        return await attempt(fresh)

    async def _identity(self, article: Article) -> Identity:
        """The name and icon of a webhook post: the outlet's name and its feed's icon."""
        feed = await self._feed(article.feed_id)
        return Identity(webhook_username(await self.outlet(article)),
                        webhook_avatar_url(feed.icon_url if feed else None))

    async def edit(self, job: PostJob) -> int:
        """Show the article's current version in its post. Returns 1 when done (or the post is gone), 0 when
        it is to be retried at the next pass."""
        post = job.post
        try:
            await self.show_sources(job)
        except discord.HTTPException as exc:
            log.warning("guild %s: edit of post %s (article %s, channel %s, message %s) failed, will retry: %s",
                        post.guild_id, post.id, job.article.id, post.channel_id, post.message_id, exc)
            return 0
        await self._posts.mark_edited(post.id, content_hash=job.article.content_hash)
        return 1

    async def show_sources(self, job: PostJob) -> bool:
        """Edit the sent post of `job` to show its article and the story's sources as they are now. False when
        the post was removed on Discord (or its webhook, so it cannot be edited); raises Discord's other errors."""
        story = await self._story(job)
        post = job.post
        # A post keeps the style it was sent in (a Components V2 message can never carry an embed again).
        fields = edit_fields(story, await self._sent(post), job.article.id)
        if fields is None:
            return True
        return await self._editor.edit(post, **fields)

    async def note(self, story: PostJob, article: Article, text: str) -> None:
        """Post `text` in the thread of the sent post `story`: through the webhook that sent the post, under
        `article`'s outlet (thread_id), else as the bot. Raises Discord's errors."""
        post = story.post
        if post.thread_id is None:
            return
        hook = await self._webhooks.by_id(post.webhook_id) if self._webhooks and post.webhook_id else None
        if hook is not None:
            try:
                who = await self._identity(article)
                await hook.send(text, thread=discord.Object(post.thread_id), wait=True, username=who.username,
                                avatar_url=who.avatar_url or MISSING, allowed_mentions=discord.AllowedMentions.none())
                return
            except discord.NotFound as exc:
                if not is_unknown_webhook(exc):
                    raise
        thread = self._client.get_channel(post.thread_id) or await self._client.fetch_channel(post.thread_id)
        if isinstance(thread, discord.Thread):
            await thread.send(text, allowed_mentions=discord.AllowedMentions.none())

    async def _sent(self, post: Post) -> discord.Message | None:
        """The posted message as Discord has it (to tell its style): from the client's cache, else fetched;
        None when it cannot be read (then the subscription's current style is used)."""
        for message in reversed(self._client.cached_messages):
            if message.id == post.message_id:
                return message
        channel = self._client.get_channel(post.channel_id)
        try:
            if isinstance(channel, discord.ForumChannel) and post.thread_id:
                channel = channel.get_thread(post.thread_id) or await self._client.fetch_channel(post.thread_id)
            if isinstance(channel, discord.TextChannel | discord.Thread) and post.message_id:
                return await channel.get_partial_message(post.message_id).fetch()
        except (discord.Forbidden, discord.NotFound):
            pass
        return None

    async def outlet(self, article: Article) -> str:
        """The name shown for the article's outlet: its feed's title, else its site's host."""
        return await self._feed_title(article.feed_id) or _host(article.url)

    async def _story(self, job: PostJob) -> StoryPost:
        a = job.article
        feed_title = await self._feed_title(a.feed_id)
        picks = await self._featured.for_post(job.post.guild_id, a.id) if self._featured else []
        # The story's other outlets, kept by every later edit of the post (an updated article, a featured pick).
        members = await self._stories.sources(job.post.channel_id, a.id) if self._stories else []
        also = [(m.outlet or _host(m.url), m.url) for m in members if m.article_id != a.id]
        outlet = feed_title or _host(a.url)
        base = build_story_post(title=a.title, url=a.url, source=outlet, excerpt=a.excerpt,
                                author=a.author, published=a.published, image_url=a.image,
                                mention_role_id=job.subscription.mention_role_id if job.subscription else None,
                                featured=[(f.author_name, f.content) for f in picks], also_reported=also)
        if self._templates is None:
            return base
        return await self._templates.present(base, a, job.subscription, outlet)

    async def _feed_title(self, feed_id: int | None) -> str | None:
        if feed_id is None:
            return None
        if feed_id not in self._feed_titles:
            feed = await self._feed(feed_id)
            if feed is None or not feed.title:
                return None
            self._feed_titles[feed_id] = feed.title
        return self._feed_titles[feed_id]

    async def _feed(self, feed_id: int | None) -> Feed | None:
        return None if feed_id is None else await self._feeds.get(feed_id)


def _host(url: str) -> str:
    return urlsplit(url).hostname or "News"


def _fields(story: StoryPost, article_id: int) -> dict[str, Any]:
    """What a story message carries (text, embed, the Summarize button), however it is sent: by the bot, by a
    webhook, as a forum post."""
    return send_fields(story, article_id)


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
    we did not know), once more without the optional parts, then give up with RefusedStory. Transient
    failures (429, 5xx) were already retried by discord.py: they raise, and the next pass tries again."""
    try:
        return await send(story)
    except discord.HTTPException as exc:
        if exc.status != 400:
            raise
        log.warning("Discord refused a story post (%s); trying it without image and author", exc)
    bare = dataclasses.replace(story, embed=dataclasses.replace(story.embed, image_url=None, author=None),
                               card=dataclasses.replace(story.card, image_url=None) if story.card else None)
    try:
        return await send(bare)
    except discord.HTTPException as exc:
        if exc.status != 400:
            raise
        raise RefusedStory(exc.text or str(exc)) from None
