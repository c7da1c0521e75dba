""""What readers are saying": the main points of an article thread, each shown by one representative comment.

Extractive and unsupervised: every visible comment becomes a TF-IDF vector (the project's tokenizer and the
thread language's stop words, `bot/summarize/language.py`); a comment's score is its cosine with the thread's
engagement-weighted centroid (what many people talk about) times its engagement weight (`Weights`: the replies
it drew; reactions weigh 0 by default, as measured, see `Weights`) times a length factor (a bare "Agreed!" is no
point). Points are then chosen greedily with maximal marginal relevance, so five comments saying the same thing
become one point, and every other comment is counted under the point it is closest to ("and 12 similar
comments"). Each point still reports the replies and reactions its comment drew.

Only comments whose status is `visible` are ever considered: removed, deleted, flagged, held or any status
added later never reach a summary. Quotes have their mentions neutralised (`escape_mentions`). The work is
bounded: at most `MAX_COMMENTS` comments (those with the most replies plus reactions, whatever the weights) and
`MAX_CHARS` characters of each are read, and the greedy selection compares each candidate with the few points
already chosen, never all pairs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.posting.format import escape_mentions, truncate_words
from bot.storage.comments import Comment
from bot.summarize.language import Language, tokenize
from bot.summarize.segment import Segmenter

__all__ = ["DiscussionPoint", "DiscussionSummary", "ThreadComment", "Weights", "summarize_discussion",
           "thread_comments"]

MAX_COMMENTS = 3000
MAX_CHARS = 2000
MAX_QUOTE = 280
CANDIDATES = 300  # MMR looks at the best-scored comments only


@dataclass(frozen=True)
class ThreadComment:
    """One comment as plain data. `reactions` counts distinct live reactions (user × emoji)."""

    message_id: int
    author_name: str
    text: str
    parent_id: int | None = None
    reactions: int = 0
    status: str = "visible"


@dataclass(frozen=True)
class Weights:
    """Knobs of the ranking (BENCHMARKS.md, "What readers are saying"). Reactions weigh 0: on TechSumBench
    (Stack Overflow answers with their votes and human summaries) every reaction weight tried lowered ROUGE,
    on the questions it was chosen on and on the held-out ones. The reply weight is not measured (no public
    data with reply links and reference summaries was found). ROUGE on ConvoSumm barely moves with the content
    knobs; redundancy is kept high so that comments saying the same thing make one point."""

    replies: float = 1.0       # per log(1 + direct replies); not measured
    reactions: float = 0.0     # per log(1 + reactions); 0.5 before the TechSumBench measurement
    redundancy: float = 0.7    # MMR: how much similarity to a chosen point costs
    min_terms: int = 6         # comments with fewer content terms are scaled down


@dataclass(frozen=True)
class DiscussionPoint:
    message_id: int
    author_name: str
    quote: str          # mentions neutralised, at most MAX_QUOTE characters
    replies: int
    reactions: int
    similar: int        # other comments closest to this point


@dataclass(frozen=True)
class DiscussionSummary:
    points: list[DiscussionPoint]
    considered: int     # visible comments read
    language: str


def _weight(replies: int, reactions: int, weights: Weights) -> float:
    return 1.0 + weights.replies * math.log1p(replies) + weights.reactions * math.log1p(reactions)


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {t: v / norm for t, v in vector.items()} if norm else {}


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _terms(text: str, stops: frozenset[str]) -> Counter[str]:
    # A prefix groups most inflections ("attack", "attacked") without a per-language stemmer, as rank.py does.
    return Counter(t[:7] for t in tokenize(text) if t not in stops and len(t) > 1 and not t.isdigit())


def summarize_discussion(
    comments: Iterable[ThreadComment],
    *,
    points: int = 5,
    language: str | None = None,
    weights: Weights | None = None,
    segmenter: Segmenter | None = None,
) -> DiscussionSummary:
    """The thread's main points, best first; an empty list when no visible comment has words in it."""
    weights = weights or Weights()
    visible = [c for c in comments if c.status == "visible" and c.text.strip()]
    replies = Counter(c.parent_id for c in visible if c.parent_id is not None)
    engagement = {c.message_id: _weight(replies[c.message_id], c.reactions, weights) for c in visible}
    if len(visible) > MAX_COMMENTS:
        heat = {c.message_id: replies[c.message_id] + c.reactions for c in visible}
        visible = sorted(visible, key=lambda c: (-heat[c.message_id], c.message_id))[:MAX_COMMENTS]
    texts = [c.text[:MAX_CHARS] for c in visible]
    lang = Language.for_text(" ".join(t[:200] for t in texts[:40]), language)
    bags = [_terms(t, lang.stops) for t in texts]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = len(bags)
    idf = {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items()}
    vectors = [_unit({t: (1 + math.log(c)) * idf[t] for t, c in bag.items()}) for bag in bags]
    centroid: dict[str, float] = {}
    for comment, vector in zip(visible, vectors, strict=True):
        w = engagement[comment.message_id]
        for t, v in vector.items():
            centroid[t] = centroid.get(t, 0.0) + w * v
    centroid = _unit(centroid)
    scores = []
    for comment, vector, bag in zip(visible, vectors, bags, strict=True):
        length = min(1.0, sum(bag.values()) / weights.min_terms)
        scores.append(_cosine(vector, centroid) * engagement[comment.message_id] * length)
    order = sorted((i for i in range(n) if vectors[i]), key=lambda i: (-scores[i], i))[:CANDIDATES]
    chosen: list[int] = []
    best_sim = dict.fromkeys(order, 0.0)
    top = scores[order[0]] if order else 0.0
    while order and len(chosen) < points:
        pick = max(order, key=lambda i: scores[i] / (top or 1.0) - weights.redundancy * best_sim[i])
        chosen.append(pick)
        order.remove(pick)
        for i in order:
            best_sim[i] = max(best_sim[i], _cosine(vectors[i], vectors[pick]))
    similar = Counter[int]()
    if chosen:
        for i in range(n):
            if i in chosen or not vectors[i]:
                continue
            sims = [(_cosine(vectors[i], vectors[c]), c) for c in chosen]
            sim, closest = max(sims)
            if sim >= 0.15:
                similar[closest] += 1
    segmenter = segmenter or Segmenter("regex")
    result = [
        DiscussionPoint(
            message_id=visible[i].message_id, author_name=visible[i].author_name,
            quote=_quote(texts[i], centroid, lang, segmenter), replies=replies[visible[i].message_id],
            reactions=visible[i].reactions, similar=similar[i],
        )
        for i in chosen
    ]
    return DiscussionSummary(points=result, considered=n, language=lang.code)


def _quote(text: str, centroid: Mapping[str, float], lang: Language, segmenter: Segmenter) -> str:
    """The comment itself when short; else its sentence nearest the thread's centroid, with the next one if
    there is room (a point usually needs its reason)."""
    flat = " ".join(text.split())
    if len(flat) > MAX_QUOTE:
        sentences = segmenter.split(text, lang.code) or [flat]
        ranked = max(range(len(sentences)),
                     key=lambda k: _cosine(_unit(dict(_terms(sentences[k], lang.stops))), centroid))
        flat = sentences[ranked]
        if ranked + 1 < len(sentences) and len(flat) + len(sentences[ranked + 1]) < MAX_QUOTE:
            flat = f"{flat} {sentences[ranked + 1]}"
    return escape_mentions(truncate_words(flat, MAX_QUOTE))


def thread_comments(comments: Sequence[Comment], reactions: Mapping[tuple[int, str], set[int]]) -> list[ThreadComment]:
    """Stored comments (`bot.storage.comments.Comment`) and `ReactionStore.live_users` as ThreadComments."""
    counts: Counter[int] = Counter()
    for (message_id, _emoji), users in reactions.items():
        counts[message_id] += len(users)
    return [
        ThreadComment(message_id=c.message_id, author_name=c.author_name, text=c.content,
                      parent_id=c.parent_id, reactions=counts[c.message_id], status=c.status)
        for c in comments
    ]
