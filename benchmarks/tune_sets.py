"""Learn the set chooser's weights (`bot/summarize/choose.py`): which set of 3 sentences beats the lead.

    python benchmarks/summarize_data.py --mirrors MIRRORS --out DATA      # once: the fetched sets
    python benchmarks/tune_sets.py --data DATA [--write]

For every article of the CNN/DM-style sets, every candidate set the product would consider (the lede plus two
of the next five sentences, coherent) is a row: its features minus those of LEAD-3 (the sentences' feature
rows summed, then the set features), and its target is its ROUGE-1 F minus LEAD-3's (rouge-score's tokenizer
and stemmer). A ridge regression on standardized features (alpha 300, every article weighing by its
candidates) predicts the gain; the product takes the set with the highest prediction, LEAD-3 on ties.

Cross-validation first: each CNN/DM-style set is left out in turn, the model fit on the others, and the
held-out set's ROUGE-1 gain over LEAD-3 printed ("swapped" = share of articles where a set other than the
lead was chosen). When the article opens with a sentence that cannot open a summary ("She's been…"), the
chooser starts from the first one that can, as the product does, and the gain is still counted against the
true LEAD-3; articles of three sentences or fewer count as LEAD-3 here (the product's greedy fallback there
is measured by benchmarks/summarize.py). Then the shipped weights are fit on the `train` sets (FRANK's CNN/DM articles stay out, so they
remain a report set; the shared validation sample is never read here) and, with `--write`, stored in
`bot/summarize/weights.json` (the other weights in that file are kept). Seconds on the sets above.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from benchmarks.summarize_data import ROLES, available, load, style
from benchmarks.tune_summarize import WEIGHTS_PATH, FastRouge
from bot.summarize.choose import SET_FEATURE_NAMES, candidate_sets, set_features
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.rank import FEATURE_NAMES, Model

K = 3
ALPHA = 300.0
# (features minus the lead's, ROUGE-1 gain over it, index of the lead, that lead's ROUGE-1 minus LEAD-3's)
Rows = tuple[np.ndarray, np.ndarray, int, float]


def article_rows(summarizer: ExtractiveSummarizer, fast: FastRouge, pair: dict[str, str]) -> Rows | None:
    """One article's candidate sets as rows, or None when the set chooser would not run on it."""
    sentences, language, _ = summarizer.prepare(pair["article"], "en")
    rows, whole = summarizer.ranker.features(sentences, language.stops)
    start = whole.standing_start()
    if start is None:
        return None
    stats = whole.starting_at(start)  # what the product does: see ExtractiveRanker.rank
    candidates = candidate_sets(stats.dependent, K)
    if not candidates:
        return None
    reference = fast.grams(pair["reference"])[0]
    grams = [fast.grams(s)[0] for s in sentences[start: len(rows)]]
    matrix = np.array(rows[start:])
    lead3 = sum((fast.grams(s)[0] for s in sentences[:K]), start=Counter())

    def vector(chosen: tuple[int, ...]) -> np.ndarray:
        return np.concatenate([matrix[list(chosen)].sum(0), set_features(stats, chosen, K)])

    def rouge1(chosen: tuple[int, ...]) -> float:
        summary: Counter[str] = sum((grams[i] for i in chosen), start=Counter())
        return fast.f1(summary, reference)

    lead = tuple(range(K))
    if lead in candidates:
        candidates.remove(lead)
    candidates.insert(0, lead)
    base_x, base_y = vector(lead), rouge1(lead)
    x = np.array([vector(c) - base_x for c in candidates])
    y = np.array([rouge1(c) - base_y for c in candidates])
    # The gain is fit relative to the set the chooser starts from; reported relative to the true LEAD-3.
    return x, y, 0, base_y - fast.f1(lead3, reference)


def fit(data: list[Rows]) -> np.ndarray:
    x = np.vstack([rows[0] for rows in data])
    y = np.concatenate([rows[1] for rows in data])
    scale = x.std(0) + 1e-9
    xs = x / scale
    weights = np.linalg.solve(xs.T @ xs + ALPHA * np.eye(x.shape[1]), xs.T @ y)
    return weights / scale


def held_out_gain(weights: np.ndarray, data: list[Rows], total: int) -> tuple[float, float]:
    """Mean ROUGE-1 gain over LEAD-3 (×100) over `total` articles (those without rows gain 0), share swapped."""
    gain = swapped = 0.0
    for x, y, lead, offset in data:
        predicted = x @ weights
        best = int(np.argmax(predicted))
        if predicted[best] <= predicted[lead] + 1e-12:
            best = lead
        gain += y[best] + offset
        swapped += best != lead
    return gain / total * 100, swapped / total


def with_set_weights(current: dict[str, Any], weights: np.ndarray) -> Model:
    """The weights file `current` with its set weights replaced by `weights` (sentence part, then set part)."""
    split = len(FEATURE_NAMES)
    return Model.from_dict(current | {
        "set_sentence": dict(zip(FEATURE_NAMES, (round(float(w), 6) for w in weights[:split]), strict=True)),
        "set_summary": dict(zip(SET_FEATURE_NAMES, (round(float(w), 6) for w in weights[split:]), strict=True)),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder written by benchmarks/summarize_data.py")
    parser.add_argument("--write", action="store_true", help="store the weights in bot/summarize/weights.json")
    parser.add_argument("--save-folds", type=Path, help="write each fold's weights to DIR/without_<set>.json "
                        "(for benchmarks/summarize.py --weights: the product measured on the set left out)")
    args = parser.parse_args()
    current = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    summarizer = ExtractiveSummarizer()
    fast = FastRouge()
    names = [name for name in available(args.data) if style(name) == "cnndm"]
    data: dict[str, list[Rows]] = {}
    sizes: dict[str, int] = {}
    for name in names:
        pairs = load(args.data, name)
        sizes[name] = len(pairs)
        data[name] = [rows for pair in pairs if (rows := article_rows(summarizer, fast, pair)) is not None]
        print(f"{name}: {len(pairs)} articles, {len(data[name])} with a choice", flush=True)
    print("\nleave one set out (ROUGE-1 gain over LEAD-3 on the held-out set):")
    for held in names:
        weights = fit([rows for name in names if name != held for rows in data[name]])
        gain, swapped = held_out_gain(weights, data[held], sizes[held])
        print(f"  {held}: {gain:+.2f} (swapped {swapped:.0%})")
        if args.save_folds:
            args.save_folds.mkdir(parents=True, exist_ok=True)
            fold = with_set_weights(current, weights)
            (args.save_folds / f"without_{held}.json").write_text(json.dumps(fold.as_dict(), indent=1) + "\n")
    shipped_from = [name for name in names if ROLES[name] == "train"]
    weights = fit([rows for name in shipped_from for rows in data[name]])
    print(f"\nshipped weights fit on {', '.join(shipped_from)}")
    for name in names:
        gain, swapped = held_out_gain(weights, data[name], sizes[name])
        print(f"  {name}{' (fitted)' if name in shipped_from else ''}: {gain:+.2f} (swapped {swapped:.0%})")
    model = with_set_weights(current, weights)
    print(json.dumps({key: model.as_dict()[key] for key in ("set_sentence", "set_summary")}))
    if args.write:
        WEIGHTS_PATH.write_text(json.dumps(model.as_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS_PATH}")


if __name__ == "__main__":
    main()
