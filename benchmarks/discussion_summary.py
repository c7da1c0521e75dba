"""Quality of "What readers are saying" (bot/comments/discussion.py) on ConvoSumm's comment threads.

Data: ConvoSumm's test threads with crowd-written summaries (Fabbri et al., ACL 2021), 250 each from NYT
comments, Reddit and StackExchange, as republished in `raw_input.csv` files by the ArQuSumm repository
(github.com/antangrocket1312/ArQuSumm, data/<domain>/raw_input.csv). Give the folder holding
`nyt.csv`, `reddit.csv` and `stack.csv` (copies of those files):

    python -m benchmarks.discussion_summary DATA_DIR [--tune reddit] [--words 100]

The threads are flat lists of comment texts in thread order: no reply links, no votes or reactions. So the
engagement weighting cannot be measured here, and the "most-reacted comments" baseline cannot be built; the
figures measure the content side only (centrality + MMR + quoting). Every system's output is cut to the same
word budget, then ROUGE-1/2/L F1 (rouge-score, stemmed) against the reference. Tuning (MMR redundancy, minimum
terms) runs on the `--tune` domain only; the other domains are reported held out.
"""

from __future__ import annotations

import argparse
import ast
import csv
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path

from rouge_score import rouge_scorer

from bot.comments.discussion import ThreadComment, Weights, summarize_discussion

DOMAINS = ("nyt", "reddit", "stack")


def load(path: Path) -> list[tuple[list[str], str]]:
    csv.field_size_limit(sys.maxsize)
    threads = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            comments = [str(c) for c in ast.literal_eval(row["comments"]) if str(c).strip()]
            if comments and row["summary"].strip():
                threads.append((comments, row["summary"]))
    return threads


def cut(texts: list[str], words: int) -> str:
    out: list[str] = []
    for text in texts:
        out.extend(text.split())
        if len(out) >= words:
            break
    return " ".join(out[:words])


def first_comments(comments: list[str], words: int) -> str:
    return cut(comments, words)


def longest_comments(comments: list[str], words: int) -> str:
    return cut(sorted(comments, key=len, reverse=True), words)


def ours(comments: list[str], words: int, weights: Weights) -> str:
    thread = [ThreadComment(message_id=i + 1, author_name="r", text=t) for i, t in enumerate(comments)]
    summary = summarize_discussion(thread, points=8, weights=weights)
    return cut([p.quote for p in summary.points], words)


def score(threads: list[tuple[list[str], str]], system, words: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    r1, r2, rl = [], [], []
    for comments, reference in threads:
        s = scorer.score(reference, system(comments, words))
        r1.append(s["rouge1"].fmeasure)
        r2.append(s["rouge2"].fmeasure)
        rl.append(s["rougeL"].fmeasure)
    return statistics.fmean(r1) * 100, statistics.fmean(r2) * 100, statistics.fmean(rl) * 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="folder with nyt.csv, reddit.csv, stack.csv (ConvoSumm raw_input)")
    parser.add_argument("--tune", choices=DOMAINS, default="reddit")
    parser.add_argument("--words", type=int, default=100)
    args = parser.parse_args()
    data = {d: load(args.data / f"{d}.csv") for d in DOMAINS if (args.data / f"{d}.csv").exists()}
    if args.tune not in data:
        sys.exit(f"{args.data / (args.tune + '.csv')} is missing: copy ConvoSumm's raw_input.csv files there")
    best = Weights()
    best_r = -1.0
    for redundancy, min_terms in itertools.product((0.0, 0.3, 0.5, 0.7, 1.0), (1, 6, 12)):
        w = Weights(redundancy=redundancy, min_terms=min_terms)
        r = score(data[args.tune], lambda c, n, w=w: ours(c, n, w), args.words)
        print(f"tune {args.tune}: redundancy={redundancy} min_terms={min_terms}  R1 {r[0]:.2f} R2 {r[1]:.2f} RL {r[2]:.2f}")
        if r[0] + r[1] + r[2] > best_r:
            best, best_r = w, r[0] + r[1] + r[2]
    print(f"chosen on {args.tune}: redundancy={best.redundancy} min_terms={best.min_terms}")
    systems = {
        "first comments": first_comments,
        "longest comments": longest_comments,
        "default weights": lambda c, n: ours(c, n, Weights()),
        "tuned weights": lambda c, n: ours(c, n, best),
    }
    print(f"\nROUGE F1 x100, outputs cut to {args.words} words ({args.tune} used for tuning)")
    print(f"{'domain':8} {'system':18} {'R1':>6} {'R2':>6} {'RL':>6}")
    for domain, threads in data.items():
        tag = domain + ("*" if domain == args.tune else "")
        for name, system in systems.items():
            r = score(threads, system, args.words)
            print(f"{tag:8} {name:18} {r[0]:6.2f} {r[1]:6.2f} {r[2]:6.2f}")
    longest = max((t for d in data.values() for t in d), key=lambda t: len(t[0]))[0]
    started = time.perf_counter()
    ours(longest, args.words, best)
    print(f"\nlongest thread ({len(longest)} comments): {(time.perf_counter() - started) * 1000:.1f} ms")
    speed()


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


if __name__ == "__main__":
    main()
