"""When a guild's daily digest is due, and what it says.

The last day posted is stored per guild, so a restart neither repeats a digest nor skips one that fell
due while the bot was down (it is posted late instead; only the most recent missed day is posted).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from bot.comments.figures import ranked_line
from bot.comments.stats import ArticleActivity
from bot.posting.format import featured_line, truncate_words
from bot.storage.featured import FeaturedComment

__all__ = ["due_digest", "render_digest"]


def due_digest(now: datetime, digest_time: str, last_day: str | None) -> tuple[str, float, float] | None:
    """(day, window start, window end) of the digest to post now, or None.

    The digest for day D is due at D's `digest_time` (UTC) and covers the 24 hours before it.
    """
    hour, minute = map(int, digest_time.split(":"))
    now = now.astimezone(UTC)
    scheduled = datetime.combine(now.date(), time(hour, minute), tzinfo=UTC)
    if scheduled > now:
        scheduled -= timedelta(days=1)
    day = scheduled.date().isoformat()
    if last_day is not None and last_day >= day:
        return None
    end = scheduled.timestamp()
    return day, end - 86400, end


def render_digest(day: str, ranked: list[ArticleActivity], featured: Sequence[FeaturedComment] = ()) -> str:
    """The digest's text; `featured`: the comments moderators featured that day, each quoted and linked."""
    if not ranked:
        lines = [f"**Daily digest — {day}**\nA quiet day: no article drew comments or reactions."]
    else:
        lines = [f"**Daily digest — {day}**: the most discussed stories"]
        lines.extend(ranked_line(n, a) for n, a in enumerate(ranked, 1))
    if featured:
        lines.append("**Featured comments**")
        lines.extend(f"• {featured_line(f.author_name, f.content)} (<#{f.thread_id}>)" for f in featured)
    return truncate_words("\n".join(lines), 2000)
