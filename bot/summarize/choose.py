"""Choosing a whole summary of k sentences at once: LEAD-k unless a learned model expects a better set.

A news article's first sentences are a strong summary (LEAD-3 is the baseline every method is measured
against), so the set chooser starts from the lead and only swaps sentences in when its model predicts a gain.
The candidates are every coherent set of k sentences that opens with the lede and takes the rest from the
first `WINDOW` sentences (ten sets for k = 3; when the first sentence opens with a pronoun or connective,
the article is taken from its first sentence that stands alone): a dependent sentence ("But…", "It…", a quotation's second half)
only together with the sentence before it. Each set is scored by a linear model learned from public CNN/DM
data (`benchmarks/tune_summarize.py --sets`): the sum of its sentences' scores, plus features of the set as a
whole (its cosine with the article's TF-IDF centroid, its length in words, redundancy, how far it reaches)
and, per sentence swapped out of the lead, features of the article's lead (so the model can learn that long,
dense leads are hard to beat). The highest-scoring set wins; ties go to the lead. Tens of microseconds a set.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

__all__ = ["SET_FEATURE_NAMES", "WINDOW", "ArticleStats", "candidate_sets", "choose_set", "set_features"]

# The first sentences a set may take from (the lede included). Measured: 6 generalized better across data
# sets than 8 or 10 (BENCHMARKS.md), and it bounds the work (C(5, 2) = 10 sets at k = 3).
WINDOW = 6
_BINS = WINDOW - 1  # position bins 1..WINDOW-1; a sentence past the window (long summaries) counts in the last
SET_FEATURE_NAMES: tuple[str, ...] = (
    "coverage", "log_words", "words_50", "words_50_sq", "redundancy", "distinct", "last_pos", "swaps",
    *(f"at_{b}" for b in range(1, WINDOW)),
    "swaps_x_log_sentences", "swaps_x_lead_log_len", "swaps_x_lead_centrality", "swaps_x_long_lead",
)


@dataclass(frozen=True)
class ArticleStats:
    """What the set features need of an article: per sentence its bag of terms, word count, centrality and
    whether it depends on the previous one, and the article's IDF and TF-IDF centroid."""

    bags: Sequence[Counter[str]]
    words: Sequence[int]
    centrality: Sequence[float]
    dependent: Sequence[bool]
    idf: dict[str, float]
    centroid: dict[str, float]
    centroid_norm: float

    def standing_start(self) -> int | None:
        """The first sentence that can open a summary: 0 unless the article opens with one that leans on
        something ("She's been living in New York for a year now, and … Princess Eugenie…" names her after
        the pronoun, but a summary must not open with "She"). None when no sentence stands alone."""
        return next((i for i, flag in enumerate(self.dependent) if not flag), None)

    def starting_at(self, start: int) -> ArticleStats:
        """The same article from sentence `start` on (the IDF and centroid stay the whole article's)."""
        if not start:
            return self
        return replace(self, bags=self.bags[start:], words=self.words[start:],
                       centrality=self.centrality[start:], dependent=self.dependent[start:])


def candidate_sets(dependent: Sequence[bool], k: int) -> list[tuple[int, ...]]:
    """Every coherent set of `k` sentence indices that opens with the lede, the rest within the window
    (widened for long summaries so there is always a choice). Empty when the lede itself depends on
    something (it opens with "But…") or the article is not longer than `k`: the caller falls back."""
    n = len(dependent)
    if k < 2 or n <= k or dependent[0]:
        return []
    window = min(n, max(WINDOW, k + 2))
    sets = []
    for rest in itertools.combinations(range(1, window), k - 1):
        chosen = set(rest)
        if all(not dependent[i] or i - 1 in chosen or i - 1 == 0 for i in rest):
            sets.append((0, *rest))
    return sets


def set_features(stats: ArticleStats, chosen: Sequence[int], k: int) -> list[float]:
    """The set-level features of `chosen` (in `SET_FEATURE_NAMES` order)."""
    bag: Counter[str] = Counter()
    for i in chosen:
        bag.update(stats.bags[i])
    norm2 = dot = 0.0
    for term, count in bag.items():
        value = count * stats.idf.get(term, 0.0)
        norm2 += value * value
        dot += value * stats.centroid.get(term, 0.0)
    coverage = dot / ((math.sqrt(norm2) or 1.0) * (stats.centroid_norm or 1.0))
    words = sum(stats.words[i] for i in chosen)
    redundancy = 0.0
    for a, b in itertools.combinations(chosen, 2):
        bag_a, bag_b = stats.bags[a], stats.bags[b]
        if bag_a and bag_b:
            redundancy += len(bag_a.keys() & bag_b.keys()) / min(len(bag_a), len(bag_b))
    distinct = len(bag) / (sum(bag.values()) or 1)
    swaps = float(sum(1 for i in chosen if i >= k))
    bins = [0.0] * _BINS
    for i in chosen:
        if i:
            bins[min(i, _BINS) - 1] += 1.0
    lead = range(min(3, len(stats.words)))
    lead_log_len = sum(math.log1p(stats.words[i]) for i in lead) / len(lead)
    lead_centrality = sum(stats.centrality[i] for i in lead) / len(lead)
    long_lead = float(sum(stats.words[i] for i in lead) / len(lead) > 30)
    return [
        coverage, math.log1p(words), words / 50, (words / 50) ** 2, redundancy, distinct, max(chosen) / 10, swaps,
        *bins,
        swaps * math.log1p(len(stats.words)), swaps * lead_log_len, swaps * lead_centrality, swaps * long_lead,
    ]


def choose_set(
    stats: ArticleStats, sentence_scores: Sequence[float], weights: Sequence[float], k: int
) -> list[int] | None:
    """The best-scoring coherent set of `k` sentences (LEAD-k on ties), or None when there is no choice to
    make (see `candidate_sets`) or the model has no set weights (an older weights file)."""
    candidates = candidate_sets(stats.dependent, k)
    if not candidates or not any(weights):
        return None
    lead = tuple(range(k))
    if lead in candidates:  # first, so that a tie keeps the lead
        candidates.remove(lead)
        candidates.insert(0, lead)
    best: tuple[int, ...] | None = None
    best_value = -math.inf
    for chosen in candidates:
        value = sum(sentence_scores[i] for i in chosen)
        value += sum(w * f for w, f in zip(weights, set_features(stats, chosen, k), strict=True))
        if value > best_value + 1e-12:
            best, best_value = chosen, value
    return list(best) if best is not None else None
