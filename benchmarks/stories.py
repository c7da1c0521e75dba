"""Story clustering benchmark: B-cubed precision/recall/F1 of ours and a TF-IDF nearest-neighbour baseline.

    python benchmarks/stories.py --uci PATH --ecb DIR [--seeds 1,2] [--tune] [--timing]

Data: the UCI News Aggregator data set (Gasparetti 2017: headlines with publisher, category and the Google News
story each belongs to), read from a CSV with its columns ID,TITLE,URL,PUBLISHER,CATEGORY,STORY,HOSTNAME,TIMESTAMP.
The copy measured is the first 6,366 rows mirrored in github.com/pratikaher88/IPythonNotebooks
(uci-news-aggregator.csv at commit 8482bf77238c09f993e4e1a16c789bdc8c4a61fe); the full file works the same.
Not committed: pass its path.

Sets: one per category (b business, t science/technology, e entertainment; m health has only 2 stories in that
slice and is left out), plus all of them mixed as one channel would see them. The crawl's timestamps come in
story order (all of a story's rows together), which no feed does: each row gets a publication time drawn
uniformly over 24 hours (seeded), so stories interleave as in a real channel; every method sees the same order.

Cross-validation: `--tune` grid-searches our parameters on the tuning sets of each fold and reports them on
that fold's held-out sets. Without `--tune`, the shipped defaults (MatchParams()) are measured on every set.
The baseline is reported at its best threshold on each set (an oracle choice, in its favour).
`--timing` measures ms per item against a window holding 10,000 stories.
"""

from __future__ import annotations

import argparse
import csv
import html
import itertools
import math
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.stories.index import MatchParams, StoryArticle, StoryIndex
from bot.stories.terms import ArticleTerms
from bot.summarize.language import stop_words

SPAN = 24 * 3600


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    title: str
    source: str
    at: float
    gold: str
    summary: str | None = None


_TOKEN = re.compile(r'<token [^>]*sentence="(\d+)"[^>]*>([^<]*)</token>')


def load_ecb(root: Path, seed: int) -> dict[str, list[Item]]:
    """ECB+ documents as two sets (odd and even topics): gold story = topic + seminal event (ecb / ecbplus).

    Each topic holds two different events of one kind (two rehab check-ins, two earthquakes), so a method
    that merges by topic words fails here. Title: the first sentence that is not the URL line; text: the rest.
    Every document gets a time drawn uniformly over 24 hours: the two events of a topic overlap in time, which
    makes the window no help (the hard case).
    """
    rng = random.Random(seed)
    sets: dict[str, list[Item]] = {"ecb-odd": [], "ecb-even": []}
    for path in sorted(root.glob("*/*.xml")):
        sentences: dict[int, list[str]] = defaultdict(list)
        for match in _TOKEN.finditer(path.read_text(encoding="utf-8")):
            sentences[int(match.group(1))].append(html.unescape(match.group(2)))
        lines = [" ".join(sentences[k]) for k in sorted(sentences)]
        lines = [line for line in lines if not line.startswith("http")]
        if not lines:
            continue
        topic = path.parent.name
        event = "plus" if path.stem.endswith("ecbplus") else "ecb"
        item = Item(path.stem, lines[0], "", rng.uniform(0, SPAN), f"{topic}-{event}", " ".join(lines[1:]))
        sets["ecb-odd" if int(topic) % 2 else "ecb-even"].append(item)
    return {name: sorted(items, key=lambda i: i.at) for name, items in sets.items()}


def load_uci(path: Path, seed: int) -> dict[str, list[Item]]:
    rng = random.Random(seed)
    by_category: dict[str, list[Item]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row.get("TITLE") or not row.get("STORY") or row.get("CATEGORY") not in {"b", "t", "e", "m"}:
                continue  # the mirrored slice ends mid-row
            item = Item(row["ID"], row["TITLE"], row["PUBLISHER"] or "", rng.uniform(0, SPAN), row["STORY"])
            by_category[row["CATEGORY"]].append(item)
    sets = {name: sorted(items, key=lambda i: i.at) for name, items in by_category.items() if name != "m"}
    sets["all"] = sorted((i for name in ("b", "t", "e") for i in by_category[name]), key=lambda i: i.at)
    return sets


def bcubed(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> tuple[float, float, float]:
    gold_sets: dict[Hashable, set[int]] = defaultdict(set)
    pred_sets: dict[Hashable, set[int]] = defaultdict(set)
    for index, (g, p) in enumerate(zip(gold, predicted, strict=True)):
        gold_sets[g].add(index)
        pred_sets[p].add(index)
    precision = recall = 0.0
    for g, p in zip(gold, predicted, strict=True):
        common = len(gold_sets[g] & pred_sets[p])
        precision += common / len(pred_sets[p])
        recall += common / len(gold_sets[g])
    n = len(gold)
    precision, recall = precision / n, recall / n
    return precision, recall, 2 * precision * recall / (precision + recall)


# --- ours ---------------------------------------------------------------------------------------------------

def extract_all(items: Sequence[Item], params: MatchParams, *, text: bool = False) -> list[ArticleTerms]:
    index = StoryIndex(params=params)
    return [index.terms_of(StoryArticle(id=i.id, title=i.title, at=i.at, source=i.source,
                                        summary=i.summary if text else None)) for i in items]


def run_ours(items: Sequence[Item], terms: Sequence[ArticleTerms], params: MatchParams) -> list[Hashable]:
    index = StoryIndex(params=params)
    labels: list[Hashable] = []
    for item, item_terms in zip(items, terms, strict=True):
        match = index.assign_terms(item.id, item.at, item_terms)
        labels.append(item.id if match is None else match.story_id)
    return labels


# --- baseline: TF-IDF cosine nearest neighbour over titles ----------------------------------------------------

_WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def run_baseline(items: Sequence[Item], threshold: float, vectors: list[dict[str, float]]) -> list[Hashable]:
    """Each item joins the story of its most similar earlier title within 36 h when the cosine reaches `threshold`."""
    postings: dict[str, list[int]] = defaultdict(list)
    labels: list[Hashable] = []
    for position, (item, vector) in enumerate(zip(items, vectors, strict=True)):
        dots: dict[int, float] = defaultdict(float)
        for word, value in vector.items():
            for other in postings[word]:
                if item.at - items[other].at <= 36 * 3600:
                    dots[other] += value * vectors[other][word]
        best = max(dots.items(), key=lambda kv: kv[1], default=None)
        labels.append(labels[best[0]] if best is not None and best[1] >= threshold else item.id)
        for word in vector:
            postings[word].append(position)
    return labels


def baseline_vectors(items: Sequence[Item]) -> list[dict[str, float]]:
    """TF-IDF (smooth IDF over the set, as scikit-learn's TfidfVectorizer; English stop words), L2-normalised."""
    stops = stop_words("en")
    docs = [[w for w in _WORD.findall(i.title.lower()) if w not in stops] for i in items]
    df: dict[str, int] = defaultdict(int)
    for doc in docs:
        for word in set(doc):
            df[word] += 1
    n = len(docs)
    vectors = []
    for doc in docs:
        tf: dict[str, int] = defaultdict(int)
        for word in doc:
            tf[word] += 1
        vector = {w: c * (math.log((1 + n) / (1 + df[w])) + 1) for w, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})
    return vectors


Scores = tuple[float, float, float]


def best_baseline(items: Sequence[Item]) -> tuple[tuple[float, Scores], tuple[float, Scores] | None]:
    """The baseline at its best threshold, and at its best threshold among those with precision >= 0.95."""
    vectors = baseline_vectors(items)
    gold = [i.gold for i in items]
    results = []
    for step in range(5, 100, 5):
        threshold = step / 100
        results.append((threshold, bcubed(gold, run_baseline(items, threshold, vectors))))
    precise = [r for r in results if r[1][0] >= 0.95]
    return max(results, key=lambda r: r[1][2]), max(precise, key=lambda r: r[1][2]) if precise else None


# --- tuning ---------------------------------------------------------------------------------------------------

GRID = {
    "threshold": [round(0.34 + 0.02 * step, 2) for step in range(14)],  # 0.34 .. 0.60
    "centroid_share": [0.5, 1.0],
    "min_shared": [2, 3],
    "number_penalty": [0.1],
    "lead_weight": [1.0, 2.0],
    "lead_chars": [400, 1000],
}
# Tuning aims a little above the goal of 0.95: held-out sets lose about a point of precision.
TUNING_PRECISION = 0.955
Runs = list[tuple[str, bool]]  # (set name, with text)


def runs_for(sets: dict[str, list[Item]], names: Sequence[str]) -> Runs:
    """Every set titles-only, and with text too where the set has text."""
    runs: Runs = []
    for name in names:
        runs.append((name, False))
        if any(i.summary for i in sets[name]):
            runs.append((name, True))
    return runs


def objective(results: Sequence[Scores]) -> float:
    """Mean F1, minus a steep penalty for each run whose precision is under TUNING_PRECISION (a wrong merge
    hides a story, so precision is bought with recall)."""
    return sum(f - 10 * max(0.0, TUNING_PRECISION - p) for p, _, f in results) / len(results)


def tune(sets: dict[str, list[Item]], names: Sequence[str]) -> MatchParams:
    """Grid search. The two thresholds are chosen apart: titles-only runs use one, title+lead runs the other
    (and only those depend on the lead's weight and length, so titles-only runs are not repeated for them)."""
    runs = runs_for(sets, names)
    title_runs = [run for run in runs if not run[1]]
    text_runs = [run for run in runs if run[1]]
    title_terms = {run: extract_all(sets[run[0]], MatchParams()) for run in title_runs}
    shared_keys = ("centroid_share", "min_shared", "number_penalty")
    lead_keys = ("lead_weight", "lead_chars")

    def best_threshold(params: MatchParams, field_name: str, mode_runs: Runs,
                       terms: dict[tuple[str, bool], list[ArticleTerms]]) -> tuple[float, float, list[Scores]]:
        options = []
        for threshold in GRID["threshold"]:
            trial = replace(params, **{field_name: threshold})
            scores = [bcubed([i.gold for i in sets[n]], run_ours(sets[n], terms[(n, t)], trial)) for n, t in mode_runs]
            options.append((objective(scores), threshold, scores))
        return max(options, key=lambda option: option[0])

    best: tuple[float, MatchParams] = (-math.inf, MatchParams())
    for values in itertools.product(*(GRID[k] for k in shared_keys)):
        params = replace(MatchParams(), **dict(zip(shared_keys, values, strict=True)))
        title_results: list[Scores] = []
        if title_runs:
            _, threshold, title_results = best_threshold(params, "threshold", title_runs, title_terms)
            params = replace(params, threshold=threshold)
        for lead_values in itertools.product(*(GRID[k] for k in lead_keys)) if text_runs else [()]:
            candidate = replace(params, **dict(zip(lead_keys, lead_values, strict=True)))
            text_results: list[Scores] = []
            if text_runs:
                text_terms = {run: extract_all(sets[run[0]], candidate, text=True) for run in text_runs}
                _, threshold, text_results = best_threshold(candidate, "threshold_with_lead", text_runs, text_terms)
                candidate = replace(candidate, threshold_with_lead=threshold)
            score = objective(title_results + text_results)
            if score > best[0]:
                best = (score, candidate)
    return best[1]


def report(sets: dict[str, list[Item]], names: Sequence[str], params: MatchParams, label: str) -> None:
    for name in names:
        items = sets[name]
        gold = [i.gold for i in items]
        (threshold, base), precise = best_baseline(items)
        at_precision = "none" if precise is None else (
            f"@{precise[0]:.2f} P={precise[1][0]:.3f} R={precise[1][1]:.3f} F1={precise[1][2]:.3f}")
        print(f"{label} set={name} items={len(items)} stories={len(set(gold))} "
              f"baseline(titles) best@{threshold:.2f} P={base[0]:.3f} R={base[1]:.3f} F1={base[2]:.3f} | "
              f"at P>=0.95 {at_precision}")
        for _, text in runs_for(sets, [name]):
            ours = bcubed(gold, run_ours(items, extract_all(items, params, text=text), params))
            print(f"{label} set={name} ours({'title+lead' if text else 'titles'}) "
                  f"P={ours[0]:.3f} R={ours[1]:.3f} F1={ours[2]:.3f} dF1_vs_best={ours[2] - base[2]:+.3f}"
                  + ("" if precise is None else f" dF1_vs_P95={ours[2] - precise[1][2]:+.3f}"))


# --- timing ---------------------------------------------------------------------------------------------------

def timing(items: Sequence[Item], params: MatchParams, *, text: bool, stories: int = 10_000,
           probe: int = 2_000) -> None:
    """ms per item once the window holds `stories` stories.

    The window is filled with copies of the data, each article opening its own story (so the copies of one
    story are all candidates of a probe: a harder case than a real channel), then `probe` articles are assigned.
    """
    index = StoryIndex(window_seconds=10 * 365 * 86400, params=params)
    template = extract_all(items, params, text=text)
    copy = 0
    while len(index) < stories:
        for item, terms in zip(items, template, strict=True):
            index.restore_terms(f"{copy}:{item.id}", copy * SPAN + item.at, terms, None)
            if len(index) >= stories:
                break
        copy += 1
    held = len(index)
    sample = list(itertools.islice(itertools.cycle(items), probe))
    probes = [StoryArticle(id=f"probe{n}:{i.id}", title=i.title, at=copy * SPAN + i.at,
                           summary=i.summary if text else None) for n, i in enumerate(sample)]
    started = time.perf_counter()
    for article in probes:
        index.assign(article)
    full = (time.perf_counter() - started) / len(probes) * 1000
    probe_terms = [index.terms_of(article) for article in probes]
    started = time.perf_counter()
    for article, terms in zip(probes, probe_terms, strict=True):
        index.assign_terms(f"again:{article.id}", article.at, terms)
    matching = (time.perf_counter() - started) / len(probes) * 1000
    print(f"TIMING {'title+lead' if text else 'titles'} window_stories={held} items={len(probes)} "
          f"ms_per_item={full:.3f} (term extraction included) ms_per_item_matching_only={matching:.3f}")


FOLDS = ((("uci-b", "uci-e", "ecb-odd"), ("uci-t", "ecb-even")),
         (("uci-t", "ecb-even"), ("uci-b", "uci-e", "ecb-odd")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uci", type=Path, help="UCI News Aggregator CSV (or a slice of it)")
    parser.add_argument("--ecb", type=Path, help="the ECB+ folder of numbered topic folders of XML documents")
    parser.add_argument("--seeds", default="1",
                        help="arrival orders to measure, comma-separated (several: tuning must hold on each)")
    parser.add_argument("--tune", action="store_true", help="cross-validated grid search (several minutes)")
    parser.add_argument("--timing", action="store_true")
    args = parser.parse_args()
    try:
        seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        print(f"--seeds takes comma-separated integers, not {args.seeds!r}", file=sys.stderr)
        return 2
    if args.uci is not None and not args.uci.is_file():
        print(f"no file at {args.uci}: pass the UCI News Aggregator CSV (see the docstring)", file=sys.stderr)
        return 2
    if args.ecb is not None and not any(args.ecb.glob("*/*.xml")):
        print(f"no ECB+ documents under {args.ecb} (expected 1/1_1ecb.xml ...)", file=sys.stderr)
        return 2
    sets: dict[str, list[Item]] = {}
    for seed in seeds:
        loaded: dict[str, list[Item]] = {}
        if args.uci is not None:
            loaded.update({f"uci-{name}": items for name, items in load_uci(args.uci, seed).items()})
        if args.ecb is not None:
            loaded.update(load_ecb(args.ecb, seed))
        sets.update({name if len(seeds) == 1 else f"{name}#{seed}": items for name, items in loaded.items()})
    if not sets:
        print("nothing to measure: pass --uci and/or --ecb (see the docstring)", file=sys.stderr)
        return 2
    if args.tune:
        for fold, (tuning, held_out) in enumerate(FOLDS, 1):
            tuning = [n for n in sets if n.split("#")[0] in tuning]
            held_out = [n for n in sets if n.split("#")[0] in held_out]
            params = tune(sets, tuning)
            print(f"FOLD {fold} tuned on {','.join(tuning)}: {params}")
            report(sets, tuning, params, f"fold{fold}-tuning")
            report(sets, held_out, params, f"fold{fold}-heldout")
    else:
        report(sets, list(sets), MatchParams(), "defaults")
    if args.timing:
        timing(max(sets.values(), key=len), MatchParams(), text=False)
        with_text = [items for items in sets.values() if any(i.summary for i in items)]
        if with_text:
            timing(max(with_text, key=len), MatchParams(), text=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
