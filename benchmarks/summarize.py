"""Summarization benchmark: ROUGE and speed of LEAD-3, sumy LexRank/TextRank and ours on CNN/DailyMail.

    NEWSDESK_SHARED_DATA=../shared/data python benchmarks/summarize.py [--limit N]

Data: `summarization/cnndm_validation_1000.jsonl` (id, article, reference with one highlight per line).
Ours was tuned on pairs 1-500 only (benchmarks/tune_summarize.py); pairs 501-1000 are the held-back half,
and both halves are reported separately. ROUGE is rouge-score's F-measure with the Porter stemmer; Lsum gets
newline-separated sentences as it requires. Time is per article for producing the summary only, the best of
three passes over each half (the same for every method: the machine is shared and noisy).
sumy's own tokenizer needs NLTK data that cannot be downloaded here, so it gets one built on our segmenter.
Needs the `bench` extra (rouge-score, sumy).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.summarize.clean import clean_text
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.language import tokenize
from bot.summarize.result import SummaryOptions
from bot.summarize.segment import Segmenter

DATA = "summarization/cnndm_validation_1000.jsonl"
HALF = 500
TIMING_PASSES = 3


def load_pairs(limit: int | None = None) -> list[dict[str, str]]:
    root = Path(os.environ.get("NEWSDESK_SHARED_DATA", "../shared/data"))
    path = root / DATA
    if not path.is_file():
        raise SystemExit(f"data not found: {path} (set NEWSDESK_SHARED_DATA)")
    with path.open(encoding="utf-8") as handle:
        pairs = [json.loads(line) for line in handle if line.strip()]
    return pairs[:limit] if limit else pairs


class SegmenterTokenizer:
    """sumy's Tokenizer interface without NLTK data: our segmenter and word tokenizer."""

    def __init__(self, segmenter: Segmenter) -> None:
        self._segmenter = segmenter
        self.language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(self._segmenter.split(paragraph, "en"))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(tokenize(sentence))


def methods() -> dict[str, Callable[[str], list[str]]]:
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    segmenter = Segmenter()
    ours = ExtractiveSummarizer(segmenter)
    options = SummaryOptions(sentences=3)
    tokenizer = SegmenterTokenizer(segmenter)

    def sumy(summarizer_class: type) -> Callable[[str], list[str]]:
        summarizer = summarizer_class(Stemmer("english"))
        summarizer.stop_words = get_stop_words("english")

        def run(article: str) -> list[str]:
            document = PlaintextParser.from_string(article, tokenizer).document
            return [str(s) for s in summarizer(document, 3)]

        return run

    return {
        "LEAD-3": lambda article: segmenter.split(clean_text(article), "en")[:3],
        "sumy LexRank": sumy(LexRankSummarizer),
        "sumy TextRank": sumy(TextRankSummarizer),
        "ours (3 sentences)": lambda article: ours.summarize(article, options, language="en").sentences,
    }


def evaluate(pairs: list[dict[str, str]], run: Callable[[str], list[str]]) -> tuple[float, float, float, float]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    totals = [0.0, 0.0, 0.0]
    elapsed = 0.0
    for pair in pairs:
        start = time.perf_counter()
        sentences = run(pair["article"])
        elapsed += time.perf_counter() - start
        scores = scorer.score(pair["reference"], "\n".join(sentences))
        for k, name in enumerate(("rouge1", "rouge2", "rougeLsum")):
            totals[k] += scores[name].fmeasure
    for _ in range(TIMING_PASSES - 1):  # extra timing-only passes; the best one counts (shared, noisy machine)
        start = time.perf_counter()
        for pair in pairs:
            run(pair["article"])
        elapsed = min(elapsed, time.perf_counter() - start)
    n = len(pairs) or 1
    return totals[0] / n * 100, totals[1] / n * 100, totals[2] / n * 100, elapsed / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use only the first N pairs")
    args = parser.parse_args()
    pairs = load_pairs(args.limit)
    halves = {"tuning half (1-500)": pairs[:HALF], "held-back half (501-1000)": pairs[HALF:]}
    results: dict[tuple[str, str], tuple[float, float, float, float]] = {}
    for name, run in methods().items():
        run(pairs[0]["article"])  # warm-up: imports, caches
        for half, subset in halves.items():
            if subset:
                results[(name, half)] = evaluate(subset, run)
    for half, subset in halves.items():
        if not subset:
            continue
        print(f"\n{half}: {len(subset)} pairs")
        print("| method | ROUGE-1 | ROUGE-2 | ROUGE-Lsum | ms/article |\n|---|---|---|---|---|")
        for name in methods_order(results, half):
            r1, r2, rl, ms = results[(name, half)]
            print(f"| {name} | {r1:.2f} | {r2:.2f} | {rl:.2f} | {ms:.2f} |")
    tune, held = "tuning half (1-500)", "held-back half (501-1000)"
    ours, lead = "ours (3 sentences)", "LEAD-3"
    both = [results[(ours, h)] for h in (tune, held) if (ours, h) in results]
    ours_ms = sum(r[3] for r in both) / len(both)
    all_r1 = _mean_r1(results, ours, pairs), _mean_r1(results, lead, pairs)
    held_ours = results.get((ours, held), (float("nan"),))[0]
    held_lead = results.get((lead, held), (float("nan"),))[0]
    print(
        f"RESULT ours_r1={all_r1[0]:.2f} lead3_r1={all_r1[1]:.2f} ours_ms={ours_ms:.2f} "
        f"heldback_ours_r1={held_ours:.2f} heldback_lead3_r1={held_lead:.2f}"
    )


def methods_order(results: dict[tuple[str, str], tuple[float, float, float, float]], half: str) -> list[str]:
    return [name for (name, h) in results if h == half]


def _mean_r1(results: dict[tuple[str, str], tuple[float, float, float, float]], name: str,
             pairs: list[dict[str, str]]) -> float:
    first, second = pairs[:HALF], pairs[HALF:]
    total = results[(name, "tuning half (1-500)")][0] * len(first)
    if second:
        total += results[(name, "held-back half (501-1000)")][0] * len(second)
    return total / len(pairs)


if __name__ == "__main__":
    main()
