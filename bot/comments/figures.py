"""How an article's discussion figures read in /trending and the daily digest (one wording for both)."""

from __future__ import annotations

from bot.comments.stats import ArticleActivity
from bot.formats import plural
from bot.posting.format import escape_text, truncate_words

__all__ = ["activity_figures", "ranked_line"]


def activity_figures(comments: int, participants: int, reactions: int) -> str:
    """"3 comments from 2 people, 1 reaction"."""
    return f"{plural(comments, 'comment')} from {plural(participants, 'person')}, {plural(reactions, 'reaction')}"


def ranked_line(rank: int, activity: ArticleActivity) -> str:
    """One numbered entry: the linked title (embeds suppressed), then its figures."""
    title = escape_text(truncate_words(activity.title or activity.url, 90))
    figures = activity_figures(activity.comments, activity.participants, activity.reactions)
    return f"{rank}. [{title}](<{activity.url}>) — {figures}"
