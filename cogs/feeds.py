"""/feed add|list|remove|pause|resume|test|edit|template|why|import|export (OPML: cogs/feed_opml.py; templates:
cogs/feed_templates.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.comments.tree import paginate
from bot.feeds.subscriptions import FeedProblem
from bot.formats import plural
from bot.posting.format import LIMITS, build_story_post, escape_text, fit_escaped, truncate_words
from bot.storage.feeds import Subscription
from bot.stories.service import StorySettingsError
from bot.templates.styled import STYLE_NAMES
from cogs.feed_opml import export_feeds, preview_import
from cogs.feed_templates import edit_template
from cogs.support.embeds import story_embed
from cogs.support.replies import UserFacingError
from cogs.support.views import PagerView

if TYPE_CHECKING:
    from bot.services import Services
    from cogs.publishing import StoryPublisher

__all__ = ["FeedsCog"]

log = logging.getLogger(__name__)
Mode = Literal["thread", "forum", "plain"]
Match = Literal["all", "any"]
Style = Literal["embed", "text", "card", "compact"]
_WEBHOOK_HELP = {"webhook": "Post under the outlet's name and icon through a channel webhook (needs Manage Webhooks)"}
_STORY_HELP = {"stories": "Add this feed's reports of a story already posted here to that post (default on)",
               "story_window_hours": "How old a story its reports may join, in hours (default 36)"}
_RULE_HELP = {"rules": "Filter rules: title: ai, robots; -author: sponsor; link: /example\\.com/ (see README)",
              "match": "Rules must all pass (all) or one is enough (any)",
              "daily_cap": "At most this many posts in 24 hours (0: no cap)",
              "min_gap_minutes": "At least this many minutes between posts (0: no gap)"}
FORUM_MODE_MISMATCH = "Forum mode goes with a forum channel, thread and plain with a text channel."


def _when(ts: float | None) -> str:
    return discord.utils.format_dt(datetime.fromtimestamp(ts, tz=UTC), "R") if ts else "never"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FeedsCog(commands.GroupCog, group_name="feed", group_description="News feeds posted in this server"):
    def __init__(self, bot: commands.Bot, services: Services, publisher: StoryPublisher) -> None:
        self.bot = bot
        self.services = services
        self.publisher = publisher  # woken when a feed is resumed or edited
        super().__init__()

    # --- helpers ---------------------------------------------------------------------------------

    async def _own_subscription(self, interaction: discord.Interaction, value: str) -> Subscription:
        sub = await self.services.feed_subscriptions.get(int(value)) if value.isdigit() else None
        if sub is None or sub.guild_id != interaction.guild_id:
            raise UserFacingError("I do not know that feed here; pick one from the suggestions or see `/feed list`.")
        return sub

    async def feed_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        choices = []
        for sub, feed in await self.services.feed_subscriptions.for_guild(interaction.guild_id):
            label = f"{feed.title or feed.url if feed else sub.feed_id} → #{_channel_name(self.bot, sub.channel_id)}"
            if current.lower() in label.lower():
                choices.append(app_commands.Choice(name=truncate_words(label, 100), value=str(sub.id)))
        return choices[:25]

    # --- commands --------------------------------------------------------------------------------

    @app_commands.command(name="add", description="Follow a news feed (or a site: its feed is found for you)")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(url="Feed or site URL", channel="Where stories go", mode="Thread per story, forum post, or plain",
                           summary="Post a summary as each thread's first message", mention="Role to ping with each story",
                           include="Only stories with one of these words (comma-separated)",
                           exclude="Skip stories with any of these words (comma-separated)", **_RULE_HELP)
    async def add(self, interaction: discord.Interaction, url: str,
                  channel: discord.TextChannel | discord.ForumChannel | None = None, mode: Mode | None = None,
                  summary: bool | None = None, mention: discord.Role | None = None, include: str | None = None,
                  exclude: str | None = None, rules: str | None = None, match: Match | None = None,
                  daily_cap: app_commands.Range[int, 0, 1000] | None = None,
                  min_gap_minutes: app_commands.Range[int, 0, 1440] | None = None) -> None:
        assert interaction.guild_id is not None
        settings = await self.services.guild_settings.get(interaction.guild_id)
        target = channel or (self.bot.get_channel(settings.news_channel_id or 0))
        if not isinstance(target, discord.TextChannel | discord.ForumChannel):
            raise UserFacingError("Which channel? Give `channel:` or set a default with `/settings set news_channel:`.")
        chosen_mode = mode or ("forum" if isinstance(target, discord.ForumChannel) else settings.default_mode)
        if (chosen_mode == "forum") != isinstance(target, discord.ForumChannel):
            # A forum channel can only take forum posts (a plain or thread post would silently be one).
            raise UserFacingError(FORUM_MODE_MISMATCH)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result = await self.services.feed_subscriptions.subscribe(
                url, guild_id=interaction.guild_id, channel_id=target.id, mode=chosen_mode,
                summary=settings.auto_summary if summary is None else summary,
                mention_role_id=mention.id if mention else None, include=include, exclude=exclude,
                created_by=interaction.user.id, rules=rules, match=match or "all", daily_cap=daily_cap,
                min_gap_minutes=min_gap_minutes)
        except FeedProblem as exc:
            raise UserFacingError(f"Could not follow that feed: {exc}") from None
        self.services.scheduler.wake()
        title = fit_escaped(result.feed_title or result.feed.url, LIMITS["embed_title"])  # titles are unbounded
        text = (f"Following **{title}** in {target.mention} ({chosen_mode} mode). "
                f"{plural(result.items, 'current item')} {'was' if result.items == 1 else 'were'} marked as already "
                "seen, so only new stories will be posted." + _mention_note(mention, target))
        embeds = []
        if result.newest is not None:
            a = result.newest
            text += "\nThe newest item, as it would look:"
            embeds.append(story_embed(build_story_post(
                title=a.title, url=a.url, source=result.feed_title or "", excerpt=a.excerpt, author=a.author,
                published=a.published, image_url=a.image).embed))
        await interaction.followup.send(text, embeds=embeds, ephemeral=True)

    @app_commands.command(name="list", description="Feeds followed here, with their health")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        subs = await self.services.feed_subscriptions.for_guild(interaction.guild_id)
        if not subs:
            await interaction.response.send_message("No feeds yet: `/feed add url:`.", ephemeral=True)
            return
        lines = []
        for sub, feed in subs:
            if feed is None:
                continue
            if sub.paused or feed.paused:
                status = f"⏸️ paused{': ' + escape_text(feed.paused_reason) if feed.paused and feed.paused_reason else ''}"
            elif sub.failing_reason:
                status = f"⚠️ cannot post: {escape_text(sub.failing_reason)}"
            elif feed.consecutive_failures:
                status = f"⚠️ {plural(feed.consecutive_failures, 'failed poll')}"
            else:
                status = "✅ ok"
            posts = await self.services.feed_subscriptions.posts_made(sub.id)
            lines.append(truncate_words(  # one feed's entry stays well within a page, whatever its error says
                f"**{escape_text(truncate_words(feed.title or feed.url, 80))}** → <#{sub.channel_id}> ({sub.mode}) {status}\n"
                f"  last success {_when(feed.last_success_at)}, next poll {_when(feed.next_poll_at)}, {plural(posts, 'post')}"
                + (f", last error: {escape_text(truncate_words(feed.last_error, 120))}" if feed.last_error else "")
                + _delivery_line(sub) + _webhook_line(sub), 900))
        pages = paginate(lines)  # a server following many feeds pages through them instead of losing the rest
        view = PagerView(pages, interaction.user.id, title=f"Feeds followed here ({len(lines)})")
        await interaction.response.send_message(view.render(), view=view if len(pages) > 1 else discord.utils.MISSING,
                                                ephemeral=True)

    @app_commands.command(name="remove", description="Stop following a feed")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.autocomplete(feed=feed_autocomplete)
    async def remove(self, interaction: discord.Interaction, feed: str) -> None:
        sub = await self._own_subscription(interaction, feed)
        await self.services.feed_subscriptions.remove(sub.id)
        await interaction.response.send_message(f"Stopped following it in <#{sub.channel_id}>.", ephemeral=True)

    @app_commands.command(name="pause", description="Stop posting a feed for now")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.autocomplete(feed=feed_autocomplete)
    async def pause(self, interaction: discord.Interaction, feed: str) -> None:
        sub = await self._own_subscription(interaction, feed)
        await self.services.feed_subscriptions.pause(sub.id)
        await interaction.response.send_message("Paused. `/feed resume` picks up with new stories only.", ephemeral=True)

    @app_commands.command(name="resume", description="Resume a paused or failing feed (no flood of old stories)")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.autocomplete(feed=feed_autocomplete)
    async def resume(self, interaction: discord.Interaction, feed: str) -> None:
        sub = await self._own_subscription(interaction, feed)
        # Resuming may fetch the feed (a fresh baseline): a slow site must not outlast Discord's 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.services.feed_subscriptions.resume(sub)
        self.services.scheduler.wake()
        self.publisher.wake()
        await interaction.followup.send("Resumed.", ephemeral=True)

    @app_commands.command(name="test", description="What this feed would post right now (only you see it)")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.autocomplete(feed=feed_autocomplete)
    async def test(self, interaction: discord.Interaction, feed: str) -> None:
        sub = await self._own_subscription(interaction, feed)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            items = await self.services.feed_subscriptions.preview(sub)
        except FeedProblem as exc:
            raise UserFacingError(f"The feed does not work right now: {exc}") from None
        if not items:
            await interaction.followup.send("The feed works, but no current item passes this feed's filters.",
                                            ephemeral=True)
            return
        i = items[0]
        story = build_story_post(title=i.title, url=i.url, source="preview", excerpt=i.excerpt, author=i.author,
                                 published=i.published, image_url=i.image)
        await interaction.followup.send(f"The feed works: {plural(len(items), 'item')} {'passes' if len(items) == 1 else 'pass'} the filters. The newest:",
                                        embed=story_embed(story.embed), ephemeral=True)

    @app_commands.command(name="edit", description="Change a feed's channel settings")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.autocomplete(feed=feed_autocomplete)
    @app_commands.describe(interval_minutes="Minutes between polls (5 to 1440)", clear_mention="Stop pinging a role",
                           **_RULE_HELP, **_STORY_HELP, **_WEBHOOK_HELP)
    async def edit(self, interaction: discord.Interaction, feed: str, mode: Mode | None = None,
                   summary: bool | None = None, mention: discord.Role | None = None, clear_mention: bool = False,
                   include: str | None = None, exclude: str | None = None,
                   interval_minutes: app_commands.Range[int, 5, 1440] | None = None, rules: str | None = None,
                   match: Match | None = None, daily_cap: app_commands.Range[int, 0, 1000] | None = None,
                   min_gap_minutes: app_commands.Range[int, 0, 1440] | None = None,
                   stories: bool | None = None,
                   story_window_hours: app_commands.Range[int, 1, 336] | None = None,
                   webhook: bool | None = None) -> None:
        sub = await self._own_subscription(interaction, feed)
        changes: dict[str, object] = {}
        if mode is not None:
            channel = self.bot.get_channel(sub.channel_id)
            if (mode == "forum") != isinstance(channel, discord.ForumChannel):
                raise UserFacingError(FORUM_MODE_MISMATCH)
            changes["mode"] = mode
        if summary is not None:
            changes["summary"] = summary
        if mention is not None or clear_mention:
            changes["mention_role_id"] = None if clear_mention else mention.id  # type: ignore[union-attr]
        if include is not None:
            changes["include_filter"] = include.strip() or None
        if exclude is not None:
            changes["exclude_filter"] = exclude.strip() or None
        delivery = {"filter_rules": rules, "filter_match": match, "daily_cap": daily_cap,
                     "min_gap_minutes": min_gap_minutes}
        changes.update({k: v for k, v in delivery.items() if v is not None})
        if webhook is not None:
            changes["webhook"] = webhook
        story_change = stories is not None or story_window_hours is not None
        if not changes and interval_minutes is None and not story_change:
            raise UserFacingError("Nothing to change: give at least one option.")
        if story_change:
            try:
                await self.services.stories.configure(sub.id, enabled=stories, window_hours=story_window_hours)
            except StorySettingsError as exc:
                raise UserFacingError(f"Not saved: {exc}.") from None
        try:
            await self.services.feed_subscriptions.edit(
                sub.id, poll_interval_seconds=interval_minutes * 60 if interval_minutes is not None else None,
                **changes)
        except FeedProblem as exc:
            raise UserFacingError(f"Not saved: {exc}") from None
        self.publisher.wake()
        channel = self.bot.get_channel(sub.channel_id)
        note = _mention_note(mention, channel) if isinstance(channel, discord.abc.GuildChannel) else ""
        if webhook and isinstance(channel, discord.TextChannel | discord.ForumChannel):
            note += _webhook_note(channel)
        await interaction.response.send_message("Saved." + note, ephemeral=True)


    @app_commands.command(name="template", description="How a feed's stories look: a template and a style, "
                                                       "previewed before saving")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.autocomplete(feed=feed_autocomplete)
    @app_commands.describe(style="embed (today's look), text (plain), card or compact (Components V2 cards)",
                           template="The template on one line (\\n breaks a line); leave out to write it in a form",
                           reset="Back to today's embed, without a template")
    async def template(self, interaction: discord.Interaction, feed: str, style: Style | None = None,
                       template: app_commands.Range[str, 1, 2000] | None = None, reset: bool = False) -> None:
        sub = await self._own_subscription(interaction, feed)
        await edit_template(self.services, interaction, sub, style=style, template=template, reset=reset)

    @app_commands.command(name="import", description="Follow the feeds an OPML file lists (a preview first)")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(file="The .opml file your feed reader exported", channel="Where stories go",
                           mode="Thread per story, forum post, or plain")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment,
                      channel: discord.TextChannel | discord.ForumChannel | None = None,
                      mode: Mode | None = None) -> None:
        assert interaction.guild_id is not None
        settings = await self.services.guild_settings.get(interaction.guild_id)
        target = channel or self.bot.get_channel(settings.news_channel_id or 0)
        if not isinstance(target, discord.TextChannel | discord.ForumChannel):
            raise UserFacingError("Which channel? Give `channel:` or set a default with `/settings set news_channel:`.")
        chosen_mode = mode or ("forum" if isinstance(target, discord.ForumChannel) else settings.default_mode)
        if (chosen_mode == "forum") != isinstance(target, discord.ForumChannel):
            raise UserFacingError(FORUM_MODE_MISMATCH)
        await preview_import(self.services, interaction, file, target, chosen_mode)

    @app_commands.command(name="export", description="The feeds followed here, as an OPML file")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(channel="Only the feeds of this channel")
    async def export(self, interaction: discord.Interaction,
                     channel: discord.TextChannel | discord.ForumChannel | None = None) -> None:
        await export_feeds(self.services, interaction, channel)

    async def item_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        items = await self.services.feed_subscriptions.recent_items(interaction.guild_id, current[:100])
        return [app_commands.Choice(name=truncate_words(title or url, 100), value=url[:100]) for url, title in items
                if len(url) <= 100]

    @app_commands.command(name="why", description="Why a story was posted here, or not")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.autocomplete(url=item_autocomplete)
    @app_commands.describe(url="The story's link (recent ones are suggested)")
    async def why(self, interaction: discord.Interaction, url: str) -> None:
        assert interaction.guild_id is not None
        found = await self.services.feed_subscriptions.why(interaction.guild_id, url.strip())
        if not found:
            raise UserFacingError("No feed followed here has carried that link in the last 30 days; paste the "
                                  "story's link as the feed gives it, or pick one of the suggestions.")
        lines = [f"**{escape_text(truncate_words(found[0].title or found[0].url, 200))}**"]
        for d in found:
            lines.append(f"<#{d.channel_id}>: {_WHY.get(d.outcome, d.outcome)}"
                         + (f" — https://discord.com/channels/{d.guild_id}/{d.channel_id}/{d.message_id}"
                            if d.outcome == "posted" else "")
                         + (" as Newsdesk itself, not through the webhook"
                            + (f" ({escape_text(d.webhook_note)})" if d.webhook_note else "")
                            if d.outcome == "posted" and d.webhook_note is not None else "")
                         + (f" ({escape_text(d.failing_reason)})" if d.outcome == "waiting" and d.failing_reason
                            else f" ({escape_text(d.detail)})" if d.detail and d.outcome != "posted" else ""))
        await interaction.response.send_message(truncate_words("\n".join(lines), 2000), ephemeral=True)


def _webhook_note(channel: discord.TextChannel | discord.ForumChannel) -> str:
    """What /feed edit webhook:True adds to "Saved.": whether a webhook can be made in that channel."""
    if channel.permissions_for(channel.guild.me).manage_webhooks:
        return f" Stories in <#{channel.id}> will be posted under the outlet's name and icon."
    return (f" ⚠️ I am missing **Manage Webhooks** in <#{channel.id}>: until I have it, its stories are posted as "
            "Newsdesk itself (nothing is lost). Give my role Manage Webhooks in that channel to use the outlet's "
            "name and icon.")


def _webhook_line(sub: Subscription) -> str:
    """/feed list: whether the feed posts through a webhook, and why it cannot when it cannot."""
    if not sub.webhook:
        return ""
    if sub.webhook_problem:
        return f"\n  ⚠️ posting as Newsdesk itself: {escape_text(sub.webhook_problem)}"
    return "\n  posts under the outlet's name (webhook)"


def _delivery_line(sub: Subscription) -> str:
    """The subscription's filter rules and caps, for /feed list ("" when it has none)."""
    parts = []
    if sub.filter_rules:
        parts.append(f"rules ({sub.filter_match}): `{truncate_words(sub.filter_rules, 150).replace('`', '')}`")
    if sub.daily_cap:
        parts.append(f"at most {plural(sub.daily_cap, 'post')} a day")
    if sub.min_gap_minutes:
        parts.append(f"{sub.min_gap_minutes} min between posts")
    if sub.card_style != "embed" or sub.template:
        parts.append(f"posted as {STYLE_NAMES.get(sub.card_style, sub.card_style).split(' (')[0]}"
                     + (" with a template" if sub.template else ""))
    return ("\n  " + ", ".join(parts)) if parts else ""


def _mention_note(role: discord.Role | None, channel: discord.abc.GuildChannel) -> str:
    """A warning when `role` would be shown but not pinged: Discord notifies a role only if it is
    mentionable or the poster may mention all roles."""
    if role is None or role.mentionable:
        return ""
    me = channel.guild.me
    if me is not None and channel.permissions_for(me).mention_everyone:
        return ""
    return (f"\nNote: {role.mention} cannot be mentioned, so stories will name it without notifying anyone. "
            "Turn on *Allow anyone to @mention this role* (Server Settings › Roles), or give my role "
            "*Mention @everyone, @here and All Roles*.")

# How each delivery outcome reads in `/feed why` (the dashboard's history says the same).
_WHY = {"merged": "merged into the story",  # its detail names the story's title
        "posted": "posted", "sending": "being sent now", "waiting": "waiting: the channel cannot take posts",
        "baseline": "not posted: it was already in the feed when this channel followed it",
        "filtered": "not posted: filtered out", "duplicate": "not posted: a duplicate",
        "paused": "not posted: the feed was paused here", "older": "not posted: older than this subscription",
        "skipped": "not posted: Discord refused it", "capped": "not posted: capped"}


def _channel_name(bot: commands.Bot, channel_id: int) -> str:
    channel = bot.get_channel(channel_id)
    return getattr(channel, "name", str(channel_id))

