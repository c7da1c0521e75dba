"""Summarization benchmark: ROUGE and speed of ours, LEAD-k and sumy LexRank/TextRank on every data set found.

    NEWSDESK_SHARED_DATA=../shared/data python benchmarks/summarize.py [--data DIR] [--limit N] [--no-sumy]
        [--only shared,cnndm_test_frank,...]

Sets: the shared `summarization/cnndm_validation_1000.jsonl`, and every set that benchmarks/summarize_data.py
wrote to `--data` (default: env NEWSDESK_SUMMARIZATION_DATA). CNN/DM-style sets (3-4 highlights) are
summarized in 3 sentences and compared with LEAD-3; XSum-style sets (one-sentence references) in 1 sentence
and compared with LEAD-1. Sets the shipped weights were fit on are marked "(fitted)"; the others were never
used for fitting. ROUGE is rouge-score's F-measure with the Porter stemmer; Lsum gets newline-separated
sentences. Time is per article for producing the summary from the raw text (LEAD-k includes the same
cleaning and segmentation as ours), each article timed in three interleaved passes and its fastest kept;
the median and 99th percentile over all articles are printed, ours and LEAD side by side in one run.
sumy's own tokenizer needs NLTK data that cannot be downloaded here, so it gets one built on our segmenter.
Needs the `bench` extra (rouge-score, sumy).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.summarize_data import ROLES, SENTENCES, available, load, style
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.language import tokenize
from bot.summarize.rank import ExtractiveRanker, Model
from bot.summarize.result import SummaryOptions
from bot.summarize.segment import Segmenter

DATA = "summarization/cnndm_validation_1000.jsonl"
TIMING_PASSES = 3
Run = Callable[[str], list[str]]


def load_pairs(limit: int | None = None) -> list[dict[str, str]]:
    """The shared CNN/DM validation sample (raises SystemExit when it is absent)."""
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


def methods(k: int, with_sumy: bool, model: Model | None = None) -> dict[str, Run]:
    segmenter = Segmenter()
    ours = ExtractiveSummarizer(segmenter, ExtractiveRanker(model))
    options = SummaryOptions(sentences=k)
    runs: dict[str, Run] = {
        f"LEAD-{k}": lambda article: ours.prepare(article, "en")[0][:k],
        f"ours ({k} sentence{'s' if k > 1 else ''})": lambda article: ours.summarize(
            article, options, language="en").sentences,
    }
    if with_sumy:
        from sumy.nlp.stemmers import Stemmer
        from sumy.parsers.plaintext import PlaintextParser
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.summarizers.text_rank import TextRankSummarizer
        from sumy.utils import get_stop_words

        tokenizer = SegmenterTokenizer(segmenter)

        def sumy(summarizer_class: type) -> Run:
            summarizer = summarizer_class(Stemmer("english"))
            summarizer.stop_words = get_stop_words("english")

            def run(article: str) -> list[str]:
                document = PlaintextParser.from_string(article, tokenizer).document
                return [str(s) for s in summarizer(document, k)]

            return run

        runs["sumy LexRank"] = sumy(LexRankSummarizer)
        runs["sumy TextRank"] = sumy(TextRankSummarizer)
    return runs


def evaluate(pairs: list[dict[str, str]], runs: dict[str, Run]) -> dict[str, tuple[float, float, float, list[float]]]:
    """Per method: mean ROUGE-1/2/Lsum ×100 and each article's fastest time in ms (passes interleaved)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    totals = {name: [0.0, 0.0, 0.0] for name in runs}
    times = {name: [float("inf")] * len(pairs) for name in runs}
    for timing_pass in range(TIMING_PASSES):
        for index, pair in enumerate(pairs):
            for name, run in runs.items():
                start = time.perf_counter()
                sentences = run(pair["article"])
                times[name][index] = min(times[name][index], (time.perf_counter() - start) * 1000)
                if timing_pass == 0:
                    scores = scorer.score(pair["reference"], "\n".join(sentences))
                    for k, metric in enumerate(("rouge1", "rouge2", "rougeLsum")):
                        totals[name][k] += scores[metric].fmeasure
    n = len(pairs) or 1
    return {name: (t[0] / n * 100, t[1] / n * 100, t[2] / n * 100, times[name]) for name, t in totals.items()}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bounded_input_ms(pairs: list[dict[str, str]]) -> dict[str, float]:
    """One summary each of ~1 MB of news text (articles repeated) and of 1 MB of unclosed <h1> markup."""
    text = "\n".join(p["article"] for p in pairs)
    inputs = {
        "one_megabyte_ms": (text * (1 + 1_000_000 // max(1, len(text))))[:1_000_000],
        "one_megabyte_h1_ms": "<html><body><p>Real news comes first here.</p>" + "<h1>" * 250_000,
    }
    times = {}
    for name, value in inputs.items():
        start = time.perf_counter()
        ExtractiveSummarizer().summarize(value, SummaryOptions(sentences=3), language="en")
        times[name] = (time.perf_counter() - start) * 1000
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("NEWSDESK_SUMMARIZATION_DATA"),
                        help="folder of fetched sets (benchmarks/summarize_data.py --out)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N pairs of each set")
    parser.add_argument("--no-sumy", action="store_true", help="skip sumy (a quicker run)")
    parser.add_argument("--only", help="comma-separated set names to run ('shared' for the shared sample)")
    parser.add_argument("--weights", type=Path, help="a weights.json to use instead of the shipped one "
                        "(cross-validation: the JSON printed by benchmarks/tune_summarize.py --fold report)")
    args = parser.parse_args()
    model = Model.from_dict(json.loads(args.weights.read_text(encoding="utf-8"))) if args.weights else None
    only = set(args.only.split(",")) if args.only else None
    sets: dict[str, list[dict[str, str]]] = {}
    if only is None or "shared" in only:
        sets["cnndm_validation_1000 (shared)"] = load_pairs(args.limit)
    data = Path(args.data) if args.data else None
    for name in available(data):
        assert data is not None
        if only is not None and name not in only:
            continue
        label = f"{name} (fitted)" if ROLES[name] == "train" else name
        sets[label] = load(data, name)[: args.limit] if args.limit else load(data, name)
    if not data:
        print("(no fetched sets: give --data, see benchmarks/summarize_data.py)")
    if not sets:
        raise SystemExit("no set to run (see --only)")
    summary_lines = []
    for label, pairs in sets.items():
        k = SENTENCES[style(label)]
        runs = methods(k, not args.no_sumy, model)
        for run in runs.values():
            run(pairs[0]["article"])  # warm-up: imports, caches
        results = evaluate(pairs, runs)
        print(f"\n{label}: {len(pairs)} pairs, {k} sentence{'s' if k > 1 else ''}")
        print("| method | ROUGE-1 | ROUGE-2 | ROUGE-Lsum | ms median | ms p99 |\n|---|---|---|---|---|---|")
        for name, (r1, r2, rl, ms) in results.items():
            print(f"| {name} | {r1:.2f} | {r2:.2f} | {rl:.2f} | {statistics.median(ms):.2f} | "
                  f"{percentile(ms, 0.99):.2f} |")
        lead, ours = (results[name] for name in list(runs)[:2])
        summary_lines.append(
            f"RESULT set={label.split()[0]} k={k} ours_r1={ours[0]:.2f} lead_r1={lead[0]:.2f} "
            f"delta_r1={ours[0] - lead[0]:+.2f} delta_r2={ours[1] - lead[1]:+.2f} "
            f"ours_ms_median={statistics.median(ours[3]):.2f} ours_ms_p99={percentile(ours[3], 0.99):.2f} "
            f"lead_ms_median={statistics.median(lead[3]):.2f}")
    print()
    print("\n".join(summary_lines))
    print("RESULT " + " ".join(f"{k}={v:.1f}" for k, v in bounded_input_ms(next(iter(sets.values()))).items()))


if __name__ == "__main__":
    main()
