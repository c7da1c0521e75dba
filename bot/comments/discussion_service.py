"""`DiscussionSummaries`: "What readers are saying" for one article thread, what the summarize cog calls.

The extractive points (`discussion.py`) are always computed, in a worker thread; with `SUMMARIZER=llm` the
model is asked for the main points, each naming the number of the comment that best shows it, and each named
comment is quoted and linked under the model's line. The fallback rules are `SummaryService`'s (one cooldown
for articles and discussions): a failure, a cooldown, or an answer naming no listed comment gives the
extractive points with the reason. Only the listed (visible) comments can be named, so a removed or held
comment can never be quoted, whatever the model answers.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, replace

from bot.comments.discussion import DiscussionPoint, DiscussionSummary, summarize_discussion, thread_comments
from bot.posting.format import escape_mentions, truncate_words
from bot.storage.comments import CommentStore, ReactionStore
from bot.storage.posts import Post, PostStore
from bot.summarize.service import SummaryService

__all__ = ["DiscussionResult", "DiscussionSummaries"]

LLM_COMMENTS = 40  # the best-ranked comments shown to the model, each cut to 400 characters
_CITED = re.compile(r"\[(\d{1,3})\]\s*\.?\s*$")
SYSTEM_PROMPT = (
    "You summarize what readers say in a news article's comment thread. Report only views stated in the "
    "numbered comments: no outside knowledge, no opinions of your own. Write in the comments' language. Reply "
    "with bullet points only, one per line, each starting with '- ' and ending with the number of the one "
    "comment that best shows that point, in brackets, like [3]."
)


@dataclass(frozen=True)
class DiscussionResult:
    summary: DiscussionSummary
    method: str                      # "extractive" or "llm"
    gists: dict[int, str]            # message id -> the model's line for that point (llm only)
    fallback_reason: str | None = None


class DiscussionSummaries:
    def __init__(self, *, comments: CommentStore, reactions: ReactionStore, posts: PostStore,
                 summaries: SummaryService, button_threshold: int = 20) -> None:
        self._comments = comments
        self._reactions = reactions
        self._posts = posts
        self._summaries = summaries
        self.button_threshold = button_threshold

    async def newly_busy(self, after_message_id: int | None) -> tuple[list[Post], int]:
        """Story posts whose thread got a comment after `after_message_id` and now has more than
        `button_threshold` visible comments, and the mark to pass next time. With None (the first call in a
        process) nothing is returned, only the mark: a restart must not edit every busy story ever posted;
        a thread that crossed the threshold meanwhile gets its button with its next comment."""
        mark = await self._comments.last_message_id()
        if after_message_id is None:
            return [], mark
        threads = await self._comments.busy_threads(after_message_id=after_message_id,
                                                    more_than=self.button_threshold)
        posts = [p for p in [await self._posts.by_thread(t) for t in threads] if p is not None and p.message_id]
        return posts, mark

    async def for_thread(self, thread_id: int, *, points: int = 5) -> DiscussionResult:
        stored = await self._comments.for_thread(thread_id)
        reactions = await self._reactions.live_users(channel_id=thread_id)
        thread = thread_comments(stored, reactions)
        extractive = await asyncio.to_thread(summarize_discussion, thread, points=points)
        if not extractive.points:
            return DiscussionResult(extractive, "extractive", {})
        # The model sees the best-ranked visible comments; the extractive pass already ordered by merit.
        listed = await asyncio.to_thread(summarize_discussion, thread, points=LLM_COMMENTS)
        lines = [f"[{n}] {truncate_words(' '.join(p.quote.split()), 400)}" for n, p in enumerate(listed.points, 1)]
        messages = [{"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": f"Give at most {points} main points.\n\nComments:\n" + "\n".join(lines)}]
        bullets, reason = await self._summaries.ask_llm(messages, label=f"thread {thread_id}")
        if bullets is None:
            return DiscussionResult(extractive, "extractive", {}, reason)
        chosen: list[DiscussionPoint] = []
        gists: dict[int, str] = {}
        for bullet in bullets:
            match = _CITED.search(bullet)
            if not match or not 1 <= int(match.group(1)) <= len(listed.points):
                continue
            point = listed.points[int(match.group(1)) - 1]
            if point.message_id in gists:
                continue
            gists[point.message_id] = escape_mentions(truncate_words(bullet[: match.start()].strip(), 300))
            chosen.append(point)
            if len(chosen) >= points:
                break
        if not chosen:
            return DiscussionResult(extractive, "extractive", {}, "the LLM's answer named none of the comments")
        return DiscussionResult(replace(extractive, points=chosen), "llm", gists)
