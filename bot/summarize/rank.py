"""Extractive ranking: score each sentence with a small linear model over cheap features, then select.

Features (all language-neutral): position (news puts the key facts first), length, TF-IDF centrality
against the whole article, overlap with the lead sentence and the title, quotes, questions, numbers and
capitalised words. The weights were fit by least squares on the first 500 CNN/DailyMail validation pairs
only (`benchmarks/tune_summarize.py`); the other 500 are held back to check that the fit generalises.
Selection is greedy maximal marginal relevance (score minus similarity to what is already chosen), within
a sentence or word budget, and the chosen sentences are returned verbatim in article order.

Everything is linear in the number of tokens of the first `max_candidates` sentences.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.summarize.language import needs_bigrams, tokenize

__all__ = ["FEATURE_NAMES", "WEIGHTS", "ExtractiveRanker", "Ranked"]

FEATURE_NAMES: tuple[str, ...] = (
    "bias", "pos0", "pos1", "pos2", "inv_pos", "rel_pos", "log_len", "short", "long", "centrality",
    "lead_sim", "title_sim", "quote", "question", "digits", "caps", "content_ratio", "stop_start",
)
# Fit by benchmarks/tune_summarize.py on pairs 1-500 (see BENCHMARKS.md), except title_sim: CNN/DailyMail
# has no titles, so the fit cannot set it; 0.2 is a hand-set prior (a sentence echoing the headline is central).
WEIGHTS: tuple[float, ...] = (
    0.0, 0.1, 0.05, 0.0, 1.0, -0.08, -0.2, -1.5, -0.27, 2.48, -0.3, 0.2, -0.2, -0.5, 0.0, 0.25, 0.0, 0.0,
)
REDUNDANCY = 0.2
_QUOTES = frozenset("\"“”«»„")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"\w+")
# A word after whitespace starting with a capital (names, places): the first word does not count.
_CAPITALISED = re.compile(r"\s[\"'“‘(]?[A-ZÀ-ÖØ-ÞА-ЯЁΑ-Ω]")


@dataclass(frozen=True)
class Ranked:
    """Indices (into the sentences given) chosen, in article order, and every candidate's score."""

    chosen: list[int]
    scores: list[float]


def _stem(token: str) -> str:
    # A crude, language-neutral stemmer: a common prefix groups most inflections in European languages
    # ("attack", "attacks", "attacked") without a per-language rule set.
    return token[:7]


class ExtractiveRanker:
    """Scores and selects sentences. Stateless after construction; safe to share between threads."""

    def __init__(
        self,
        weights: Sequence[float] = WEIGHTS,
        *,
        max_candidates: int = 60,
        redundancy: float = REDUNDANCY,
    ) -> None:
        if len(weights) != len(FEATURE_NAMES):
            raise ValueError(f"expected {len(FEATURE_NAMES)} weights, got {len(weights)}")
        self.weights = tuple(weights)
        self.max_candidates = max_candidates
        self.redundancy = redundancy

    # --- features ------------------------------------------------------------------------------------

    def features(
        self, sentences: Sequence[str], stops: frozenset[str], title: str | None = None
    ) -> tuple[list[list[float]], list[Counter[str]]]:
        """One feature row per candidate sentence, plus each sentence's bag of stemmed content words."""
        candidates = sentences[: self.max_candidates]
        n = len(candidates)
        bags: list[Counter[str]] = []
        raw_lengths: list[int] = []
        stop_starts: list[bool] = []
        total: Counter[str] = Counter()
        df: Counter[str] = Counter()
        # Checking the script once per article, not per sentence: most text needs only the word regex.
        spaced = not needs_bigrams(" ".join(candidates))
        for sentence in candidates:
            tokens = _WORD.findall(sentence.lower()) if spaced else tokenize(sentence)
            raw_lengths.append(len(tokens))
            stop_starts.append(bool(tokens) and tokens[0] in stops)
            content = [t[:7] for t in tokens if t not in stops and not t.isdigit()]  # t[:7]: see _stem
            bag = Counter(content)
            bags.append(bag)
            total.update(content)
            df.update(bag.keys())
        idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}
        # The article's centroid: the sum of all sentences' TF-IDF vectors.
        centroid = {term: count * idf[term] for term, count in total.items()}
        centroid_norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
        lead = bags[0].keys() if bags else set()
        title_terms = {_stem(t) for t in tokenize(title) if t not in stops} if title else set()

        rows: list[list[float]] = []
        for i, sentence in enumerate(candidates):
            bag = bags[i]
            length = raw_lengths[i]
            norm2 = dot = 0.0
            for term, count in bag.items():
                v = count * idf[term]
                norm2 += v * v
                dot += v * (centroid[term] - v)  # against the other sentences: own part removed
            centrality = dot / ((math.sqrt(norm2) or 1.0) * centroid_norm)
            size = len(bag) or 1
            lead_sim = len(bag.keys() & lead) / size if i else 1.0
            title_sim = len(bag.keys() & title_terms) / (len(title_terms) or 1) if title_terms else 0.0
            words = len(sentence.split()) or 1
            rows.append([
                1.0,
                float(i == 0),
                float(i == 1),
                float(i == 2),
                1.0 / (i + 1),
                i / n,
                math.log1p(length),
                float(length < 10),
                float(length > 45),
                centrality,
                lead_sim,
                title_sim,
                float(not _QUOTES.isdisjoint(sentence)),
                float(sentence.rstrip("\"'”’ ").endswith("?")),
                float(_DIGIT.search(sentence) is not None),
                len(_CAPITALISED.findall(sentence)) / words,
                sum(bag.values()) / (length or 1),
                float(stop_starts[i]),
            ])
        return rows, bags

    def score(self, rows: Sequence[Sequence[float]]) -> list[float]:
        w = self.weights
        return [sum(map(operator.mul, w, row)) for row in rows]

    # --- selection -----------------------------------------------------------------------------------

    def rank(
        self,
        sentences: Sequence[str],
        stops: frozenset[str],
        *,
        max_sentences: int | None = 3,
        max_words: int | None = None,
        title: str | None = None,
    ) -> Ranked:
        """Choose sentences within the budget (both limits apply when both are given)."""
        if not sentences:
            return Ranked([], [])
        rows, bags = self.features(sentences, stops, title)
        scores = self.score(rows)
        word_counts = [len(s.split()) for s in sentences[: len(rows)]]
        return Ranked(self.select(scores, bags, word_counts, max_sentences, max_words), scores)

    def select(
        self,
        scores: Sequence[float],
        bags: Sequence[Counter[str]],
        word_counts: Sequence[int],
        max_sentences: int | None,
        max_words: int | None,
    ) -> list[int]:
        """Greedy MMR within the budget; indices in article order. Never empty when there are scores."""
        limit = max_sentences if max_sentences is not None else len(scores)
        chosen: list[int] = []
        words_used = 0
        remaining = set(range(len(scores)))
        while remaining and len(chosen) < limit:
            best, best_value = -1, -math.inf
            for i in remaining:
                if max_words is not None and words_used + word_counts[i] > max_words:
                    continue
                penalty = max((_overlap(bags[i], bags[j]) for j in chosen), default=0.0)
                value = scores[i] - self.redundancy * penalty
                if value > best_value:
                    best, best_value = i, value
            if best < 0:
                break
            chosen.append(best)
            remaining.discard(best)
            words_used += word_counts[best]
        if not chosen and len(scores):
            # Nothing fits the word budget: the best sentence whole beats an invented cut.
            chosen = [max(range(len(scores)), key=scores.__getitem__)]
        return sorted(chosen)


def _overlap(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a.keys() & b.keys())
    return shared / min(len(a), len(b))
