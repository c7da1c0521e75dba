"""Extractive ranking: score each sentence with a small linear model over cheap features, then select.

Features (language-neutral except the connective list): position (news puts the key facts first), length,
TF-IDF centrality against the whole article, overlap with the lead sentence and the title, quotes, questions,
numbers, capitalised words, and whether the sentence leans on the one before it (`coherence`).

The weights are learned from public news summarization data, never from the shared validation sample
(`benchmarks/tune_summarize.py`, BENCHMARKS.md) and ship in `weights.json` beside this module: one set for
one-sentence summaries (trained on XSum-style single-sentence references), one to choose a set of k
sentences (CNN/DM highlights; `choose.py`: LEAD-k unless the model expects a better set), and one for greedy
selection within a word budget, since what makes the single best sentence differs from what makes a good set.

A summary of k sentences is chosen as a whole set by `choose.py`; a word budget (or an article the set chooser
cannot handle) uses greedy maximal marginal relevance (score minus similarity to what is already chosen).
Summaries of two or more sentences open with the article's first sentence (the lede) when it can stand alone. A sentence that depends on the previous one is taken only together with it (the
pair costs two sentences of the budget and is worth their mean score), else skipped; the chosen sentences are
returned verbatim in article order. Everything is linear in the tokens of the first `max_candidates` sentences.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from bot.summarize.choose import SET_FEATURE_NAMES, ArticleStats, choose_set
from bot.summarize.coherence import depends_on_previous
from bot.summarize.language import needs_bigrams, tokenize

__all__ = ["FEATURE_NAMES", "ExtractiveRanker", "Model", "Ranked", "load_model"]

FEATURE_NAMES: tuple[str, ...] = (
    "bias", "pos0", "pos1", "pos2", "inv_pos", "rel_pos", "log_len", "short", "long", "centrality",
    "lead_sim", "title_sim", "quote", "question", "digits", "caps", "content_ratio", "stop_start",
    "dependent", "no_end", "attribution", "early_terms", "lead3_sim", "len_dev",
)
_CENTRALITY = FEATURE_NAMES.index("centrality")
_IDEAL_LOG_LEN = math.log1p(25)  # a highlight-sized sentence, about 25 words
_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_ATTRIBUTION = re.compile(r"\b(?:said|says|told|according to|added)\b", re.IGNORECASE)
_QUOTES = frozenset("\"“”«»„")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"\w+")
# A word after whitespace starting with a capital (names, places): the first word does not count.
_CAPITALISED = re.compile(r"\s[\"'“‘(]?[A-ZÀ-ÖØ-ÞА-ЯЁΑ-Ω]")


@dataclass(frozen=True)
class Model:
    """Weights for one-sentence summaries (`one`), for choosing a whole set of k sentences (`set_sentence`
    scores each sentence, `set_summary` the set: see `choose.py`), and for the greedy selection that word
    budgets use (`many`, with the redundancy penalties)."""

    one: tuple[float, ...]
    many: tuple[float, ...]
    redundancy_one: float = 0.0
    redundancy_many: float = 0.2
    set_sentence: tuple[float, ...] = (0.0,) * len(FEATURE_NAMES)
    set_summary: tuple[float, ...] = (0.0,) * len(SET_FEATURE_NAMES)

    def __post_init__(self) -> None:
        for weights, names in ((self.one, FEATURE_NAMES), (self.many, FEATURE_NAMES),
                               (self.set_sentence, FEATURE_NAMES), (self.set_summary, SET_FEATURE_NAMES)):
            if len(weights) != len(names):
                raise ValueError(f"expected {len(names)} weights, got {len(weights)}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        """From `as_dict()`'s shape. A feature the weights do not name weighs 0 (an older file still loads;
        without set weights, summaries of k sentences fall back to the greedy selection)."""

        def weights(key: str, names: tuple[str, ...], required: bool = True) -> tuple[float, ...]:
            named = data.get(key, None if required else {})
            if not isinstance(named, dict):
                raise ValueError(f"weights: {key!r} must map feature names to numbers")
            return tuple(float(named.get(name, 0.0)) for name in names)

        return cls(weights("one", FEATURE_NAMES), weights("many", FEATURE_NAMES),
                   float(data.get("redundancy_one", 0.0)), float(data.get("redundancy_many", 0.2)),
                   weights("set_sentence", FEATURE_NAMES, False), weights("set_summary", SET_FEATURE_NAMES, False))

    def as_dict(self) -> dict[str, Any]:
        return {
            "one": dict(zip(FEATURE_NAMES, self.one, strict=True)),
            "many": dict(zip(FEATURE_NAMES, self.many, strict=True)),
            "redundancy_one": self.redundancy_one,
            "redundancy_many": self.redundancy_many,
            "set_sentence": dict(zip(FEATURE_NAMES, self.set_sentence, strict=True)),
            "set_summary": dict(zip(SET_FEATURE_NAMES, self.set_summary, strict=True)),
        }


def load_model() -> Model:
    """The weights shipped with the package (`weights.json`, about 1.5 kB; no download)."""
    text = resources.files("bot.summarize").joinpath("weights.json").read_text(encoding="utf-8")
    return Model.from_dict(json.loads(text))


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

    def __init__(self, model: Model | None = None, *, max_candidates: int = 60) -> None:
        self.model = model or load_model()
        self.max_candidates = max_candidates

    # --- features ------------------------------------------------------------------------------------

    def features(
        self, sentences: Sequence[str], stops: frozenset[str], title: str | None = None, language: str = "en"
    ) -> tuple[list[list[float]], ArticleStats]:
        """One feature row per candidate sentence, and what the set chooser needs of the article (each
        sentence's bag of stemmed content words, word count, centrality, whether it depends on the one
        before it; the article's IDF and centroid)."""
        candidates = list(sentences[: self.max_candidates])
        dependent = depends_on_previous(candidates, language)
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
        lead3: set[str] = set().union(*(b.keys() for b in bags[:3])) if bags else set()
        first_seen: dict[str, int] = {}
        for i, bag in enumerate(bags):
            for term in bag:
                first_seen.setdefault(term, i)
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
                float(dependent[i]),
                float(_END.search(sentence) is None),
                float(_ATTRIBUTION.search(sentence) is not None),
                # Made of the words the article opens with (its topic), not of a side story's.
                sum(1.0 / (1 + first_seen[t]) for t in bag) / size,
                len(bag.keys() & lead3) / size if i > 2 else 1.0,
                (math.log1p(length) - _IDEAL_LOG_LEN) ** 2,
            ])
        stats = ArticleStats(bags, [len(s.split()) for s in candidates], [row[_CENTRALITY] for row in rows], dependent,
                             idf, centroid, centroid_norm)
        return rows, stats

    @staticmethod
    def score(weights: Sequence[float], rows: Sequence[Sequence[float]]) -> list[float]:
        return [sum(map(operator.mul, weights, row)) for row in rows]

    # --- selection -----------------------------------------------------------------------------------

    def rank(
        self,
        sentences: Sequence[str],
        stops: frozenset[str],
        *,
        max_sentences: int | None = 3,
        max_words: int | None = None,
        title: str | None = None,
        language: str = "en",
    ) -> Ranked:
        """Choose sentences within the budget (both limits apply when both are given)."""
        if not sentences:
            return Ranked([], [])
        rows, stats = self.features(sentences, stops, title, language)
        one = max_sentences == 1 or (max_sentences is None and max_words is not None and max_words <= 40)
        if not one and max_words is None and max_sentences is not None:
            scores = self.score(self.model.set_sentence, rows)
            start = stats.standing_start()
            if start is not None:
                chosen = choose_set(stats.starting_at(start), scores[start:], self.model.set_summary, max_sentences)
                if chosen is not None:
                    return Ranked([start + i for i in chosen], scores)
        weights = self.model.one if one else self.model.many
        redundancy = self.model.redundancy_one if one else self.model.redundancy_many
        scores = self.score(weights, rows)
        chosen = select(scores, stats.bags, stats.words, stats.dependent, max_sentences, max_words, redundancy,
                        lede=not one)
        return Ranked(chosen, scores)


def _unit(i: int, dependent: Sequence[bool], chosen: set[int]) -> list[int] | None:
    """Sentence `i` with the antecedents it needs that are not chosen yet (at most one), or None if it cannot
    be made to stand: it depends on a sentence that itself depends on another, or opens the article."""
    if not dependent[i] or i - 1 in chosen:
        return [i]
    if i == 0 or (dependent[i - 1] and i - 2 not in chosen):
        return None
    return [i - 1, i]


def select(
    scores: Sequence[float],
    bags: Sequence[Counter[str]],
    word_counts: Sequence[int],
    dependent: Sequence[bool],
    max_sentences: int | None,
    max_words: int | None,
    redundancy: float,
    *,
    lede: bool = False,
) -> list[int]:
    """Greedy MMR within the budget, dependent sentences only with their antecedent; indices in article order.

    With `lede`, a summary of two or more sentences opens with the article's first sentence when it stands
    alone and fits: news puts the who/what/when there, and later sentences ("the trial showed…") lean on it.
    Never empty when there are scores: if nothing fits, the best sentence that can stand alone (or, failing
    that, the best one) is returned whole, which beats an invented cut.
    """
    limit = max_sentences if max_sentences is not None else len(scores)
    chosen: set[int] = set()
    words_used = 0
    if lede and limit >= 2 and len(scores) and not dependent[0] and (max_words is None or word_counts[0] <= max_words):
        chosen.add(0)
        words_used = word_counts[0]
    while len(chosen) < limit:
        best: list[int] | None = None
        best_value = -math.inf
        for i in range(len(scores)):
            if i in chosen:
                continue
            unit = _unit(i, dependent, chosen)
            if unit is None or len(chosen) + len(unit) > limit:
                continue
            words = sum(word_counts[u] for u in unit)
            if max_words is not None and words_used + words > max_words:
                continue
            penalty = max((_overlap(bags[u], bags[j]) for u in unit for j in chosen), default=0.0)
            value = sum(scores[u] for u in unit) / len(unit) - redundancy * penalty
            if value > best_value:
                best, best_value = unit, value
        if best is None:
            break
        chosen.update(best)
        words_used += sum(word_counts[u] for u in best)
    if not chosen and len(scores):
        standing = [i for i in range(len(scores)) if not dependent[i]] or list(range(len(scores)))
        chosen = {max(standing, key=scores.__getitem__)}
    return sorted(chosen)


def _overlap(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a.keys() & b.keys())
    return shared / min(len(a), len(b))
