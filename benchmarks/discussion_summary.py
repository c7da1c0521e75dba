"""Quality of "What readers are saying" (bot/comments/discussion.py) against simple baselines, with an ablation
of its engagement weighting. Data and where it comes from: benchmarks/discussion_data.py.

    python -m benchmarks.discussion_summary [--convosumm DIR] [--techsumbench DIR] [--words 100]

Every system's output is cut to the same word budget (ours: its points' quotes in rank order; a baseline: its
comments in its order), then ROUGE-1/2/L F1 ×100 (rouge-score, stemmed), averaged over a thread's references.

ConvoSumm (NYT, Reddit, StackExchange threads, no votes, no reply links) measures the content side: the two
content knobs (MMR redundancy, minimum terms) are tried on Reddit only, NYT and StackExchange are held out.
With no engagement at all, "ours without weighting" is the same system there, by construction.

TechSumBench (Stack Overflow answers with their real vote scores, human summaries) measures the reaction part:
a score of n counts as n reactions. The reaction weight is tried on the Java questions only; the Python
questions are held out. Answers reply to a question, never to each other, so the reply weight is not measured.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.discussion_data import (
    CONVOSUMM_DOMAINS,
    JAVA_QUERIES,
    Thread,
    load_convosumm,
    load_techsumbench,
)
from bot.comments.discussion import ThreadComment, Weights, summarize_discussion

System = Callable[[list[ThreadComment], int], str]
UNWEIGHTED = replace(Weights(), replies=0.0, reactions=0.0)
REACTION_GRID = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)


@functools.cache
def rouge() -> Any:
    """rouge-score's scorer (the `bench` extra), made on first use."""
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)


def cut(texts: Sequence[str], words: int) -> str:
    out: list[str] = []
    for text in texts:
        out.extend(text.split())
        if len(out) >= words:
            break
    return " ".join(out[:words])


def first_comments(comments: list[ThreadComment], words: int) -> str:
    return cut([c.text for c in comments], words)


def longest_comments(comments: list[ThreadComment], words: int) -> str:
    return cut([c.text for c in sorted(comments, key=lambda c: len(c.text), reverse=True)], words)


def most_reacted(comments: list[ThreadComment], words: int) -> str:
    """The top comments by reactions (here: votes), ties in thread order."""
    return cut([c.text for c in sorted(comments, key=lambda c: -c.reactions)], words)


def ours(weights: Weights) -> System:
    def run(comments: list[ThreadComment], words: int) -> str:
        return cut([p.quote for p in summarize_discussion(comments, points=8, weights=weights).points], words)
    return run


def per_thread(threads: Sequence[Thread], system: System, words: int,
               scorer: Any = None) -> list[tuple[float, float, float]]:
    """ROUGE-1/2/L F1 ×100 of each thread, each the mean over that thread's references (`scorer`: rouge())."""
    scorer = scorer or rouge()
    out = []
    for thread in threads:
        summary = system(thread.comments, words)
        scores = [scorer.score(ref, summary) for ref in thread.references]
        out.append(tuple(statistics.fmean(s[k].fmeasure for s in scores) * 100
                         for k in ("rouge1", "rouge2", "rougeL")))
    return out  # type: ignore[return-value]


def mean(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return (statistics.fmean(r[0] for r in rows), statistics.fmean(r[1] for r in rows),
            statistics.fmean(r[2] for r in rows))


def score(threads: Sequence[Thread], system: System, words: int) -> tuple[float, float, float]:
    return mean(per_thread(threads, system, words))


def line(tag: str, name: str, r: tuple[float, float, float]) -> str:
    return f"{tag:16} {name:30} {r[0]:6.2f} {r[1]:6.2f} {r[2]:6.2f}"


def convosumm(data_dir: Path, tune: str, words: int) -> None:
    data = {d: load_convosumm(data_dir / f"{d}.csv") for d in CONVOSUMM_DOMAINS if (data_dir / f"{d}.csv").exists()}
    if tune not in data:
        raise SystemExit(f"{data_dir / (tune + '.csv')} is missing: copy ConvoSumm's raw_input.csv files there")
    best, best_r = Weights(), -1.0
    for redundancy, min_terms in itertools.product((0.0, 0.3, 0.5, 0.7, 1.0), (1, 6, 12)):
        w = replace(Weights(), redundancy=redundancy, min_terms=min_terms)
        r = score(data[tune], ours(w), words)
        print(f"tune {tune}: redundancy={redundancy} min_terms={min_terms}  R1 {r[0]:.2f} R2 {r[1]:.2f} RL {r[2]:.2f}")
        if sum(r) > best_r:
            best, best_r = w, sum(r)
    print(f"chosen on {tune}: redundancy={best.redundancy} min_terms={best.min_terms}")
    systems: dict[str, System] = {
        "first comments": first_comments,
        "longest comments": longest_comments,
        "ours, shipped": ours(Weights()),
        "ours, no weighting": ours(UNWEIGHTED),
        f"ours, content tuned on {tune}": ours(best),
    }
    print(f"\nConvoSumm: ROUGE F1 x100, outputs cut to {words} words (* = tuning domain); no votes, so no "
          "most-reacted baseline")
    for domain, threads in data.items():
        for name, system in systems.items():
            print(line(domain + ("*" if domain == tune else ""), name, score(threads, system, words)))
    longest = max((t for d in data.values() for t in d), key=lambda t: len(t.comments)).comments
    started = time.perf_counter()
    ours(best)(longest, words)
    print(f"\nlongest thread ({len(longest)} comments): {(time.perf_counter() - started) * 1000:.1f} ms")


def wins(a: list[tuple[float, float, float]], b: list[tuple[float, float, float]]) -> str:
    """Threads where a beats / ties / loses to b on R1+R2+RL."""
    diffs = [sum(x) - sum(y) for x, y in zip(a, b, strict=True)]
    return f"{sum(d > 1e-9 for d in diffs)}/{sum(abs(d) <= 1e-9 for d in diffs)}/{sum(d < -1e-9 for d in diffs)}"


def paired_ci(a: list[tuple[float, float, float]], b: list[tuple[float, float, float]]) -> str:
    """Mean per-thread R1 and R2 difference a - b, each with a 95% bootstrap interval (2,000 resamples, seeded)."""
    rng = random.Random(7)
    out = []
    for k in (0, 1):
        diffs = [x[k] - y[k] for x, y in zip(a, b, strict=True)]
        boot = sorted(statistics.fmean(rng.choices(diffs, k=len(diffs))) for _ in range(2000))
        out.append(f"R{k + 1} {statistics.fmean(diffs):+.2f} [{boot[49]:+.2f}, {boot[1949]:+.2f}]")
    return ", ".join(out)


def techsumbench(root: Path, words: int) -> Weights:
    threads = load_techsumbench(root)
    tune = [t for n, t in threads.items() if n in JAVA_QUERIES]
    held = [t for n, t in threads.items() if n not in JAVA_QUERIES]
    answers = sum(len(t.comments) for t in threads.values())
    print(f"\nTechSumBench: {len(threads)} questions, {answers} scored answers; tuning on {len(tune)} Java "
          f"questions, {len(held)} Python questions held out")
    best, best_r = Weights(), -1.0
    for reactions in REACTION_GRID:
        w = replace(Weights(), reactions=reactions)
        r = score(tune, ours(w), words)
        print(f"tune java: reactions={reactions}  R1 {r[0]:.2f} R2 {r[1]:.2f} RL {r[2]:.2f}")
        if sum(r) > best_r + 1e-9:
            best, best_r = w, sum(r)
    print(f"chosen on java: reactions={best.reactions}")
    systems: dict[str, System] = {
        "first answers": first_comments,
        "longest answers": longest_comments,
        "most-voted answers": most_reacted,
        "ours, no weighting": ours(UNWEIGHTED),
    }
    # With no reply in this data, reactions=0 is the unweighted system: the row above stands for it.
    for reactions in REACTION_GRID[1:]:
        marks = [m for m, w in (("shipped", Weights()), ("tuned", best)) if w.reactions == reactions]
        systems[f"ours, reactions={reactions}" + (f" ({', '.join(marks)})" if marks else "")] = \
            ours(replace(Weights(), reactions=reactions))
    print(f"shipped: reactions={Weights().reactions}, replies={Weights().replies} (no reply links here, so "
          f"reactions=0 is the same system as no weighting)")
    print(f"\nTechSumBench: ROUGE F1 x100 (mean over 3 references), outputs cut to {words} words")
    rows: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for tag, part in (("python (held)", held), ("java (tuning)", tune)):
        for name, system in systems.items():
            rows[tag, name] = per_thread(part, system, words)
            print(line(tag, name, mean(rows[tag, name])))
    for tag in ("python (held)", "java (tuning)"):
        unweighted = rows[tag, "ours, no weighting"]
        for name in systems:
            if name.startswith("ours, reactions="):
                print(f"{tag}: {name} vs no weighting, questions won/tied/lost: {wins(rows[tag, name], unweighted)}; "
                      f"{paired_ci(rows[tag, name], unweighted)}")
        print(f"{tag}: ours, no weighting vs most-voted answers, won/tied/lost: "
              f"{wins(unweighted, rows[tag, 'most-voted answers'])}; "
              f"{paired_ci(unweighted, rows[tag, 'most-voted answers'])}")
    return best


def speed() -> None:
    """Time on big threads made of real Reddit comments (the shared PRAW cassettes), with replies and reactions."""
    path = Path(os.environ.get("NEWSDESK_SHARED_DATA", "../shared/data")) / "comments" / "reddit_praw_cassettes.jsonl"
    if not path.exists():
        print(f"speed: skipped, {path} not found (set NEWSDESK_SHARED_DATA)")
        return
    with path.open(encoding="utf-8") as handle:
        bodies = [row["body"] for row in map(json.loads, handle) if row.get("type") == "comment" and row.get("body")]
    for size in (300, 2000, 5000):
        thread = [ThreadComment(message_id=i + 1, author_name="r", text=bodies[i % len(bodies)],
                                parent_id=(i // 3) or None, reactions=i % 7) for i in range(size)]
        times = []
        for _ in range(3):
            started = time.perf_counter()
            summarize_discussion(thread, points=5)
            times.append(time.perf_counter() - started)
        print(f"speed: {size:5} comments  best of 3 {min(times) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--convosumm", type=Path, help="folder with nyt.csv, reddit.csv, stack.csv")
    parser.add_argument("--techsumbench", type=Path, help="TechSumBot's dataset/ folder")
    parser.add_argument("--tune", choices=CONVOSUMM_DOMAINS, default="reddit")
    parser.add_argument("--words", type=int, default=100)
    parser.add_argument("--speed", action="store_true", help="also time big threads (shared PRAW cassettes)")
    args = parser.parse_args()
    if not args.convosumm and not args.techsumbench:
        parser.error("give --convosumm DIR and/or --techsumbench DIR")
    if args.convosumm:
        convosumm(args.convosumm, args.tune, args.words)
    if args.techsumbench:
        techsumbench(args.techsumbench, args.words)
    if args.speed:
        speed()


if __name__ == "__main__":
    main()
