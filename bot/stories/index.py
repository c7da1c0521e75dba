"""Which story an incoming article belongs to, among one channel's recent stories.

`StoryIndex` holds the stories opened within the window (default 36 h) and an inverted index from term to
the stories using it, so an article is compared only with stories sharing one of its rarer terms, never with
everything. Each story keeps the TF-IDF centroid of its articles. An article joins the best story when

* the cosine between the article and the story's centroid, blended with its best single-article cosine, reaches
  the threshold (`threshold` for a title alone, `threshold_with_lead` when a lead gives more words), and
* they share at least `min_shared` terms, and
* their numbers do not contradict each other (both have numbers, none in common: a penalty).

False merges are worse than misses (a wrong merge hides a story), so every rule only ever blocks a merge.
IDF counts the stories within the window that use a word (not the articles: a word that one big story
repeats stays telling), so it adapts to what the channel carries; the weights of an article are frozen when it
joins, so a story's centroid never needs recomputing.

The figures behind the defaults are in BENCHMARKS.md ("Story clustering") and `benchmarks/stories.py`.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, deque
from collections.abc import Hashable
from dataclasses import dataclass, field

from bot.stories.terms import ArticleTerms, extract_terms, guess_language, lead_of
from bot.summarize.language import normalize_language

__all__ = ["DEFAULT_WINDOW_SECONDS", "MatchParams", "StoryArticle", "StoryIndex", "StoryMatch"]

DEFAULT_WINDOW_SECONDS = 36 * 3600


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """What story matching needs of an article. `at` is when it is posted (unix seconds)."""

    id: Hashable
    title: str
    at: float
    source: str | None = None
    url: str | None = None
    summary: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class StoryMatch:
    """The story an article was merged into: `story_id` is the id of the article that opened it."""

    story_id: Hashable
    score: float
    size: int  # articles in the story, this one included


@dataclass(frozen=True, slots=True)
class MatchParams:
    """Tuned on held-out data by `benchmarks/stories.py`; see BENCHMARKS.md."""

    threshold: float = 0.40  # for an article with a title only
    threshold_with_lead: float = 0.44  # for an article with a title and a lead (summary); see BENCHMARKS.md
    centroid_share: float = 1.0  # score = share * centroid cosine + (1 - share) * best member cosine
    min_shared: int = 3
    number_penalty: float = 0.1
    lead_weight: float = 1.0
    lead_chars: int = 400  # how much of the summary counts as the lead
    idf_prior: float = 20.0  # pseudo-stories in the window, so a young index does not overrate every word
    probe_terms: int = 10  # an article looks stories up by this many of its weightiest terms
    postings_share: float = 0.01  # ...each used by at most this share of the window's stories
    min_postings_cap: int = 100  # ...or this many, in a small window
    members_compared: int = 12


@dataclass(frozen=True, slots=True)
class _Member:
    vector: dict[str, float]
    numbers: frozenset[str]


@dataclass(slots=True)
class _Story:
    id: Hashable
    opened: float
    centroid: dict[str, float] = field(default_factory=dict)
    norm_sq: float = 0.0
    members: list[_Member] = field(default_factory=list)
    size: int = 0


class StoryIndex:
    """One channel's recent stories. Not thread-safe: one index per channel, used from one task."""

    def __init__(self, window_seconds: float = DEFAULT_WINDOW_SECONDS, params: MatchParams | None = None) -> None:
        self.window = float(window_seconds)
        self.params = params or MatchParams()
        self._stories: dict[Hashable, _Story] = {}
        self._opened: deque[_Story] = deque()  # in order of opening, for expiry
        self._postings: dict[str, set[Hashable]] = {}
        self._clock = -math.inf
        self._languages: Counter[str] = Counter()  # clear guesses and declared languages seen

    def __len__(self) -> int:
        return len(self._stories)

    # --- public API -------------------------------------------------------------------------------------------

    def assign(self, article: StoryArticle, *, window_seconds: float | None = None) -> StoryMatch | None:
        """Merge `article` into the story it reports (returned), or open a new story with it (None).

        `window_seconds` narrows the index's window for this article alone (a subscription's own window);
        stories opened earlier than that are not candidates, though they stay in the index for others.
        """
        return self.assign_terms(article.id, article.at, self.terms_of(article), window_seconds=window_seconds)

    def terms_of(self, article: StoryArticle) -> ArticleTerms:
        """The article's terms as this index weighs them (extraction is the costly part: reusable).

        An article whose language is neither declared nor clear from its words is taken to be in the language
        most of this channel's articles clearly were (English before there is any).
        """
        lead = lead_of(article.summary, self.params.lead_chars)
        fallback = self._languages.most_common(1)[0][0] if self._languages else "en"
        language = normalize_language(article.language) or guess_language(f"{article.title} {lead}", prefer=fallback)
        if language is not None:
            self._languages[language] += 1
        return extract_terms(article.title, lead, language, lead_weight=self.params.lead_weight,
                             fallback_language=fallback)

    def assign_terms(self, article_id: Hashable, at: float, terms: ArticleTerms, *,
                     window_seconds: float | None = None) -> StoryMatch | None:
        """`assign` for terms extracted before (`terms_of`)."""
        self._advance(at)
        vector = self._vector(terms)
        since = -math.inf if window_seconds is None else self._clock - window_seconds
        match = self._best(vector, terms, since)
        if match is None:
            self._open(article_id, at, vector, terms)
            return None
        story, score = match
        self._join(story, vector, terms)
        return StoryMatch(story_id=story.id, score=score, size=story.size)

    def restore(self, article: StoryArticle, story_id: Hashable | None) -> None:
        """Replay a decision made before (after a restart): `story_id` None means it opened its own story."""
        self.restore_terms(article.id, article.at, self.terms_of(article), story_id)

    def restore_terms(self, article_id: Hashable, at: float, terms: ArticleTerms, story_id: Hashable | None) -> None:
        """`restore` for terms extracted before (`terms_of`)."""
        self._advance(at)
        vector = self._vector(terms)
        story = self._stories.get(story_id) if story_id is not None else None
        if story is None:
            self._open(article_id if story_id is None else story_id, at, vector, terms)
        else:
            self._join(story, vector, terms)

    # --- internals --------------------------------------------------------------------------------------------

    def _advance(self, at: float) -> None:
        # Items may come slightly out of order; the window follows the latest time seen.
        self._clock = max(self._clock, at)
        horizon = self._clock - self.window
        while self._opened and self._opened[0].opened < horizon:
            story = self._opened.popleft()
            if self._stories.get(story.id) is story:
                del self._stories[story.id]
            for term in story.centroid:
                posting = self._postings.get(term)
                if posting is not None:
                    posting.discard(story.id)
                    if not posting:
                        del self._postings[term]

    def _vector(self, terms: ArticleTerms) -> dict[str, float]:
        # IDF over the window's stories, not its articles: a word that one big story repeats stays telling,
        # a word many stories use does not (measured: higher recall at the same precision on every set).
        total = len(self._stories) + self.params.idf_prior
        postings = self._postings
        vector = {word: weight * math.log(total / (1.0 + len(postings.get(word, ()))) + 1.0)
                  for word, weight in terms.weights.items()}
        norm = math.sqrt(sum(value * value for value in vector.values()))
        if norm == 0.0:
            return {}
        return {word: value / norm for word, value in vector.items()}

    def _candidates(self, vector: dict[str, float], since: float) -> list[tuple[_Story, float]]:
        """The 5 stories opened since `since` with the best centroid dot products with the article.

        Only the article's `probe_terms` weightiest terms look stories up, and only through postings no longer
        than `postings_share` of the window (a word most stories use finds nothing worth finding); the best 10
        stories so found are then scored on every term. This keeps an article's cost bounded whatever the
        window holds.
        """
        params = self.params
        stories = self._stories
        cap = max(params.min_postings_cap, int(params.postings_share * len(stories)))
        partial: dict[Hashable, float] = {}
        for word, value in heapq.nlargest(params.probe_terms, vector.items(), key=lambda item: item[1]):
            posting = self._postings.get(word)
            if not posting or len(posting) > cap:
                continue
            for story_id in posting:
                story = stories[story_id]
                if story.opened >= since:
                    partial[story_id] = partial.get(story_id, 0.0) + value * story.centroid[word]
        scored = []
        for story_id, _ in heapq.nlargest(10, partial.items(), key=lambda item: item[1]):
            centroid = stories[story_id].centroid
            scored.append((stories[story_id], sum(value * centroid.get(word, 0.0) for word, value in vector.items())))
        return heapq.nlargest(5, scored, key=lambda item: item[1])

    def _score(self, vector: dict[str, float], terms: ArticleTerms, story: _Story, dot: float) -> float | None:
        """How surely the article reports `story` (None: it shares too few terms with it to say)."""
        params = self.params
        centroid_cos = dot / math.sqrt(story.norm_sq) if story.norm_sq > 0 else 0.0
        best_member = 0.0
        shared_best = 0
        numbers_agree = False
        for member in story.members[-params.members_compared:]:
            cos = sum(value * member.vector[word] for word, value in vector.items() if word in member.vector)
            if cos > best_member:
                best_member = cos
                shared_best = sum(1 for word in vector if word in member.vector)
            if not terms.numbers or not member.numbers or terms.numbers & member.numbers:
                numbers_agree = True
        if shared_best < params.min_shared and sum(1 for word in vector if word in story.centroid) < params.min_shared:
            return None
        score = params.centroid_share * centroid_cos + (1.0 - params.centroid_share) * best_member
        return score if numbers_agree else score - params.number_penalty

    def _best(self, vector: dict[str, float], terms: ArticleTerms, since: float) -> tuple[_Story, float] | None:
        if not vector:
            return None
        params = self.params
        scored: list[tuple[float, _Story]] = []
        for story, dot in self._candidates(vector, since):
            score = self._score(vector, terms, story, dot)
            if score is not None:
                scored.append((score, story))
        if not scored:
            return None
        scored.sort(key=lambda item: item[0], reverse=True)
        score, story = scored[0]
        # An article with a lead brings more words to compare, so its scores run differently: its own threshold.
        if score < (params.threshold_with_lead if terms.has_lead else params.threshold):
            return None
        return story, score

    def _open(self, story_id: Hashable, at: float, vector: dict[str, float], terms: ArticleTerms) -> None:
        story = _Story(id=story_id, opened=at)
        self._stories[story_id] = story
        self._opened.append(story)
        self._join(story, vector, terms)

    def _join(self, story: _Story, vector: dict[str, float], terms: ArticleTerms) -> None:
        centroid = story.centroid
        for word, value in vector.items():
            old = centroid.get(word)
            if old is None:
                centroid[word] = value
                self._postings.setdefault(word, set()).add(story.id)
                story.norm_sq += value * value
            else:
                centroid[word] = old + value
                story.norm_sq += 2 * old * value + value * value
        story.members.append(_Member(vector, terms.numbers))
        if len(story.members) > 2 * self.params.members_compared:
            del story.members[: -self.params.members_compared]
        story.size += 1

