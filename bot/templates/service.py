"""`StoryTemplates`: a subscription's message template and post style, checked, previewed and applied.

`/feed template` previews (`preview`) before it saves (`save`); the publisher asks `present` to turn today's
embed post into the subscription's style. A subscription without a template in the embed style posts today's
embed exactly. `{summary}` is Newsdesk's summary, asked for only when the template names it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from bot.articles.records import Article
from bot.posting.format import STYLES, StoryPost, build_story_post
from bot.storage.articles import ArticleStore
from bot.storage.feeds import FeedStore, Subscription, SubscriptionStore
from bot.storage.guilds import GuildSettingsStore
from bot.templates.language import Template, TemplateError, parse
from bot.templates.styled import STYLE_LIMITS, check_template, styled_post
from bot.templates.values import SAMPLE_ARTICLE, story_values
from bot.times import DEFAULT_TIME_FORMAT, TimeStyle

__all__ = ["Preview", "StoryTemplates", "SummaryFn"]

log = logging.getLogger(__name__)
# article id -> its plain summary, or None (ArticleSummaries.template_text)
SummaryFn = Callable[[int], Awaitable[str | None]]


class Preview:
    """What `/feed template` shows before saving: the post, and whether it was made from a stored article."""

    def __init__(self, post: StoryPost, *, sample: bool, template: str | None, style: str) -> None:
        self.post = post
        self.sample = sample
        self.template = template
        self.style = style


class StoryTemplates:
    def __init__(self, *, subscriptions: SubscriptionStore, feeds: FeedStore, articles: ArticleStore,
                 guilds: GuildSettingsStore, summary: SummaryFn | None = None) -> None:
        self._subscriptions = subscriptions
        self._feeds = feeds
        self._articles = articles
        self._guilds = guilds
        self._summary = summary

    async def time_style(self, guild_id: int) -> TimeStyle:
        settings = await self._guilds.get(guild_id)
        return TimeStyle(zone=settings.time_zone or "UTC", format=settings.time_format or DEFAULT_TIME_FORMAT)

    @staticmethod
    def check(template: str | None, style: str) -> Template | None:
        """The parsed template (None for none), or TemplateError."""
        if style not in STYLES:
            raise TemplateError(f"the style must be one of {', '.join(STYLES)}.")
        return None if template is None or not template.strip() else check_template(template, style)

    async def preview(self, subscription: Subscription, *, style: str, template: str | None) -> Preview:
        """The subscription's latest stored article (else a sample) as it would be posted with `template` in
        `style`. Raises TemplateError for a template that cannot be used."""
        parsed = self.check(template, style)
        recent = await self._articles.recent(subscription.feed_id, limit=1)
        article = recent[0] if recent else SAMPLE_ARTICLE
        feed = await self._feeds.get(subscription.feed_id)
        outlet = (feed.title if feed else None) or urlsplit(article.url).hostname or "News"
        base = build_story_post(title=article.title, url=article.url, source=outlet, excerpt=article.excerpt,
                                author=article.author, published=article.published, image_url=article.image,
                                mention_role_id=subscription.mention_role_id)
        post = await self._styled(base, article, subscription.guild_id, outlet, style, parsed)
        return Preview(post, sample=not recent, template=template if parsed else None, style=style)

    async def save(self, subscription_id: int, *, style: str, template: str | None) -> Subscription | None:
        """Store the subscription's template and style (checked again: TemplateError)."""
        parsed = self.check(template, style)
        return await self._subscriptions.update(subscription_id, card_style=style,
                                                template=parsed.source if parsed else None)

    async def present(self, base: StoryPost, article: Article, subscription: Subscription | None,
                      outlet: str) -> StoryPost:
        """`base` (today's embed) in the subscription's style. Never raises: a stored template that no longer
        parses is logged and the style's default is used."""
        if subscription is None or (subscription.card_style == "embed" and not subscription.template):
            return base
        try:
            parsed = parse(subscription.template, max_length=STYLE_LIMITS.get(subscription.card_style, 4000)) \
                if subscription.template else None
        except TemplateError as exc:
            log.warning("subscription %s: stored template unusable (%s); using the style's default",
                        subscription.id, exc)
            parsed = None
        try:
            return await self._styled(base, article, subscription.guild_id, outlet, subscription.card_style, parsed)
        except Exception:  # a template must never cost a story: post today's embed instead
            log.exception("subscription %s: template failed; posting the default embed", subscription.id)
            return base

    async def _styled(self, base: StoryPost, article: Article, guild_id: int, outlet: str, style: str,
                      template: Template | None) -> StoryPost:
        wants_summary = template is not None and "summary" in template.fields
        summary = None
        if wants_summary and self._summary is not None and article.id:
            try:
                summary = await self._summary(article.id)
            except Exception:  # the summarizer failing leaves {summary} empty: its fallback shows
                log.exception("no summary for article %s in a template", article.id)
        values = story_values(article, outlet=outlet, summary=summary, time_style=await self.time_style(guild_id))
        return styled_post(base, style=style, template=template, values=values)
