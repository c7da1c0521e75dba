"""bot/comments/discussion.py on plain data: weighting, exclusions, mentions, bounds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.comments.discussion import (
    MAX_COMMENTS,
    ThreadComment,
    Weights,
    summarize_discussion,
    thread_comments,
)


def c(mid: int, text: str, *, parent: int | None = None, reactions: int = 0, status: str = "visible",
      author: str = "reader") -> ThreadComment:
    return ThreadComment(message_id=mid, author_name=author, text=text, parent_id=parent, reactions=reactions,
                         status=status)


TRANSIT = "The new tram line will cut commute times for people living in the eastern districts of the city."
TRANSIT_2 = "Commute times from the eastern districts should drop a lot once the tram line opens in the city."
COST = "The budget for the tram line doubled since the vote and nobody explains where the money went."


def _equal_pair() -> tuple[int, int, dict[int, str]]:
    """Two comments saying the same thing: which one wins with no engagement at all, and which loses."""
    winner = summarize_discussion([c(1, TRANSIT), c(2, TRANSIT_2), c(3, COST)], points=1).points[0].message_id
    assert winner in (1, 2)
    return winner, 3 - winner, {1: TRANSIT, 2: TRANSIT_2}


def test_replies_decide_between_two_equal_comments() -> None:
    winner, loser, texts = _equal_pair()
    replies = [c(winner, texts[winner]), c(loser, texts[loser]), c(3, COST)]
    replies += [c(10 + i, "Yes, exactly.", parent=loser) for i in range(4)]
    top = summarize_discussion(replies, points=1).points[0]
    assert (top.message_id, top.replies) == (loser, 4)


def test_reactions_are_reported_but_do_not_rank_with_the_shipped_weights() -> None:
    """Shipped reaction weight is 0 (TechSumBench, BENCHMARKS.md); the knob still works when set."""
    winner, loser, texts = _equal_pair()
    reacted = [c(winner, texts[winner]), c(loser, texts[loser], reactions=9), c(3, COST)]
    points = summarize_discussion(reacted, points=3).points
    assert points[0].message_id == winner
    assert {p.message_id: p.reactions for p in points}.get(loser, 9) == 9
    weighted = summarize_discussion(reacted, points=1, weights=Weights(reactions=0.5)).points[0]
    assert (weighted.message_id, weighted.reactions) == (loser, 9)


def test_near_duplicates_make_one_point_and_are_counted_under_it() -> None:
    summary = summarize_discussion([c(1, TRANSIT), c(2, TRANSIT_2), c(3, COST)], points=2)
    ids = [p.message_id for p in summary.points]
    assert 3 in ids and len(set(ids) & {1, 2}) == 1
    transit = next(p for p in summary.points if p.message_id in (1, 2))
    assert transit.similar == 1


@pytest.mark.parametrize("status", ["removed", "deleted", "flagged", "held", "something-new"])
def test_only_visible_comments_are_ever_quoted(status: str) -> None:
    secret = "The tram line budget scandal is a cover up for the mayor, the tram line budget was stolen."
    comments = [c(1, secret, reactions=50, status=status), c(2, TRANSIT), c(3, COST), c(4, TRANSIT_2)]
    summary = summarize_discussion(comments, points=5)
    assert summary.considered == 3
    assert all(p.message_id != 1 and "scandal" not in p.quote for p in summary.points)


def test_replies_from_hidden_comments_do_not_count() -> None:
    comments = [c(1, TRANSIT), c(2, TRANSIT_2)] + [c(10 + i, "Agreed", parent=2, status="removed") for i in range(5)]
    assert summarize_discussion(comments, points=1).points[0].replies == 0


def test_mentions_are_neutralised_in_quotes() -> None:
    text = "@everyone look: <@123> and <@&456> say the tram line will cut commute times in the eastern districts."
    summary = summarize_discussion([c(1, text), c(2, TRANSIT)], points=2)
    quote = next(p.quote for p in summary.points if p.message_id == 1)
    assert "@everyone" not in quote and "<@123>" not in quote and "<@&456>" not in quote
    assert "tram line" in quote


def test_long_comments_are_quoted_by_their_central_sentence() -> None:
    filler = " ".join(f"My cousin once owned a bakery number {i} downtown." for i in range(12))
    text = f"{filler} The tram line will cut commute times for the eastern districts."
    others = [c(2, TRANSIT), c(3, TRANSIT_2)]
    quote = next(p.quote for p in summarize_discussion([c(1, text), *others], points=3).points if p.message_id == 1)
    assert len(quote) <= 280 and "tram line" in quote


def test_an_empty_or_wordless_thread_has_no_points() -> None:
    assert summarize_discussion([]).points == []
    assert summarize_discussion([c(1, "👍"), c(2, "   ")]).points == []


def test_a_huge_thread_is_read_up_to_the_bound_most_engaged_first() -> None:
    comments = [c(i, f"comment {i} about topic {i % 37} and the tram line {i % 11}") for i in range(1, MAX_COMMENTS + 501)]
    comments.append(c(10**6, COST, reactions=40))
    summary = summarize_discussion(comments, points=5)
    assert summary.considered == MAX_COMMENTS
    assert len(summary.points) == 5


def test_the_bound_keeps_reacted_comments_whatever_the_reaction_weight() -> None:
    """Past MAX_COMMENTS the comments with the most replies plus reactions are read, even though reactions weigh
    0 in the ranking: the one reacted comment (the last by id) is read and is the only one with words."""
    comments = [c(i, "👍") for i in range(1, MAX_COMMENTS + 501)] + [c(10**6, COST, reactions=3)]
    summary = summarize_discussion(comments, points=5)
    assert summary.considered == MAX_COMMENTS
    assert [p.message_id for p in summary.points] == [10**6]


def test_a_2000_comment_reddit_thread() -> None:
    """Real text from the shared PRAW cassettes, repeated into a 2,000-comment thread with replies."""
    root = os.environ.get("NEWSDESK_SHARED_DATA", "../shared/data")
    path = Path(root) / "comments" / "reddit_praw_cassettes.jsonl"
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (set NEWSDESK_SHARED_DATA)")
    bodies = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("type") == "comment" and row.get("body", "").strip():
                bodies.append(row["body"])
    assert len(bodies) > 100
    comments = [c(i + 1, f"{bodies[i % len(bodies)]} <@{i}>", parent=(i // 3) or None, reactions=i % 5)
                for i in range(2000)]
    summary = summarize_discussion(comments, points=5)
    assert summary.considered == 2000 and len(summary.points) == 5
    assert all("<@" not in p.quote for p in summary.points)


def test_stored_comments_and_reactions_become_thread_comments() -> None:
    from bot.storage.comments import Comment

    stored = Comment(message_id=5, guild_id=1, thread_id=2, article_id=3, author_id=4, author_name="ann",
                     content="hello", parent_id=None, attachments=(), created_at=0.0, edited_at=None,
                     deleted_at=None, status="removed", removed_by=9, removed_reason="spam")
    [one] = thread_comments([stored], {(5, "👍"): {1, 2}, (5, "🎉"): {1}, (6, "👍"): {3}})
    assert (one.reactions, one.status, one.text) == (3, "removed", "hello")
