"""Fit the extractive ranker's weights on the FIRST 500 CNN/DailyMail pairs only.

    NEWSDESK_SHARED_DATA=../shared/data python benchmarks/tune_summarize.py

For every candidate sentence of pairs 1-500 the target is its own ROUGE-1 + ROUGE-2 F-measure against the
reference highlights; ridge least squares over `rank.FEATURE_NAMES` gives the weights, then the redundancy
penalty is chosen by the ROUGE-1 of 3-sentence summaries on the same 500. Prints the weights to paste into
`bot/summarize/rank.py`. Pairs 501-1000 are never read here. Needs the `bench` extra (rouge-score, numpy).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import itertools

import numpy as np

from benchmarks.summarize import HALF, load_pairs
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.rank import FEATURE_NAMES, ExtractiveRanker


class FastRouge:
    """ROUGE-1/2 F of a selection from per-sentence n-gram counts (same tokenizer and stemmer as rouge-score)."""

    def __init__(self) -> None:
        from rouge_score.tokenizers import DefaultTokenizer

        self._tokenizer = DefaultTokenizer(use_stemmer=True)

    def grams(self, text: str) -> tuple[Counter[str], Counter[tuple[str, str]]]:
        tokens = self._tokenizer.tokenize(text)
        return Counter(tokens), Counter(itertools.pairwise(tokens))

    @staticmethod
    def f1(summary: Counter, reference: Counter) -> float:
        total_s, total_r = sum(summary.values()), sum(reference.values())
        if not total_s or not total_r:
            return 0.0
        overlap = sum(min(n, reference[g]) for g, n in summary.items() if g in reference)
        if not overlap:
            return 0.0
        p, r = overlap / total_s, overlap / total_r
        return 2 * p * r / (p + r)


def main() -> None:
    pairs = load_pairs(HALF)  # the tuning half only
    summarizer = ExtractiveSummarizer()
    fast = FastRouge()
    articles = []
    for pair in pairs:
        sentences, language, _ = summarizer.prepare(pair["article"], "en")
        rows, bags = summarizer.ranker.features(sentences, language.stops)
        ref1, ref2 = fast.grams(pair["reference"])
        grams = [fast.grams(s) for s in sentences[: len(rows)]]
        words = [len(s.split()) for s in sentences[: len(rows)]]
        articles.append((np.array(rows), bags, words, grams, ref1, ref2))

    def objective(weights: np.ndarray, redundancy: float) -> tuple[float, float]:
        ranker = ExtractiveRanker(tuple(float(w) for w in weights), redundancy=redundancy)
        r1 = r2 = 0.0
        for rows, bags, words, grams, ref1, ref2 in articles:
            scores = list(rows @ weights)
            chosen = ranker.select(scores, bags, words, 3, None)
            u1: Counter = Counter()
            u2: Counter = Counter()
            for i in chosen:
                u1.update(grams[i][0])
                u2.update(grams[i][1])
            r1 += fast.f1(u1, ref1)
            r2 += fast.f1(u2, ref2)
        return r1 / len(articles) * 100, r2 / len(articles) * 100

    # Start from LEAD-3 (position only), then coordinate ascent on ROUGE-1 + ROUGE-2 of the selection.
    weights = np.zeros(len(FEATURE_NAMES))
    weights[FEATURE_NAMES.index("inv_pos")] = 1.0
    redundancy = 0.0
    r1, r2 = objective(weights, redundancy)
    print(f"start (LEAD-3 order): R1 {r1:.2f} R2 {r2:.2f}")
    best = r1 + r2
    steps = (0.5, 0.2, 0.1, 0.05, 0.02)
    for step in steps:
        improved = True
        while improved:
            improved = False
            for k, name in enumerate(FEATURE_NAMES):
                if name == "inv_pos":
                    continue  # fixes the scale
                for delta in (step, -step):
                    trial = weights.copy()
                    trial[k] += delta
                    t1, t2 = objective(trial, redundancy)
                    if t1 + t2 > best + 1e-6:
                        weights, best, improved = trial, t1 + t2, True
                        print(f"  step {step}: {name} -> {trial[k]:+.3f}  R1 {t1:.2f} R2 {t2:.2f}", flush=True)
                        break
            for delta in (step / 2, -step / 2):
                if 0.0 <= redundancy + delta <= 2.0:
                    t1, t2 = objective(weights, redundancy + delta)
                    if t1 + t2 > best + 1e-6:
                        redundancy, best, improved = redundancy + delta, t1 + t2, True
                        print(f"  step {step}: redundancy -> {redundancy:.3f}  R1 {t1:.2f} R2 {t2:.2f}", flush=True)
                        break
    r1, r2 = objective(weights, redundancy)
    print(f"final on pairs 1-{HALF}: R1 {r1:.2f} R2 {r2:.2f} redundancy={redundancy:.3f}")
    print("WEIGHTS = (" + ", ".join(f"{w:.4f}" for w in weights) + ")")
    print(f"REDUNDANCY = {redundancy:.3f}")


if __name__ == "__main__":
    main()
